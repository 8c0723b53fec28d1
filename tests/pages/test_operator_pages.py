"""The platform operator (a superuser of no bureau) can use every menu item: a page that works in one
bureau asks which, and then works for any bureau chosen (issue 19, item 1)."""

import re

import pytest

from sanwen.clients.models import Household
from sanwen.org.models import Bureau

HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/static/", "/admin/", "/media/", "/i18n/", "/p/", "/api/")


def _links(body: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in HREF.findall(body) if not h.startswith(SKIP)]


def _menu(client) -> list[str]:
    """The links of the top menu and of each section's own menu."""
    home = client.get("/").content.decode()
    top = _links(home.split('id="navbar"')[-1].split("</nav>")[0]) if 'id="navbar"' in home else _links(home)
    found = list(dict.fromkeys(top))
    for url in top:
        response = client.get(url, follow=True)
        body = response.content.decode()
        for nav in re.findall(r'<ul class="nav nav-pills[^"]*"[^>]*>(.*?)</ul>', body, re.S):
            found += [h for h in _links(nav) if h not in found]
    return found


@pytest.mark.django_db
def test_every_menu_item_answers_the_operator_and_asks_for_a_bureau(client, world):
    client.force_login(world.operator)
    menu = _menu(client)
    assert len(menu) > 10, menu
    bureaus = list(Bureau.objects.order_by("path"))
    asked = 0
    for url in menu:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        choices = response.context.get("choices") if response.context else None
        if not choices:
            continue
        asked += 1
        assert [bureau for bureau, _link, _depth in choices] == bureaus
        for bureau, link, _depth in choices:
            assert f"bureau={bureau.pk}" in link
            chosen = client.get(link, follow=True)
            assert chosen.status_code == 200, (link, chosen.status_code)
    assert asked >= 4  # clients/new, cases/new, deeds, scorecard, dashboard, quota … ask


@pytest.mark.django_db
def test_the_operator_adds_a_household_to_the_bureau_chosen(client, world):
    client.force_login(world.operator)
    target = world.b.bureau
    data = {"kind": "farmer", "name": "覃运维", "township": world.b.township.pk, "version": ""}
    response = client.post(f"/clients/new/?bureau={target.pk}", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Household.objects.get(name="覃运维").bureau == target


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "staff", "admin"])
def test_a_bureau_member_cannot_choose_another_bureau(client, world, role):
    user = next(u for r, u in world.a.users.items() if str(r) == role)
    client.force_login(user)
    data = {"kind": "farmer", "name": "越界户", "township": world.a.township.pk, "version": ""}
    client.post(f"/clients/new/?bureau={world.b.bureau.pk}", data)
    assert not Household.objects.filter(name="越界户", bureau=world.b.bureau).exists()


@pytest.mark.django_db
def test_the_operator_chooses_a_bureau_that_exists(client, world):
    client.force_login(world.operator)
    assert client.get("/clients/new/?bureau=999999").status_code == 404
    assert client.get("/accountability/scorecard/?bureau=999999").status_code == 404
    assert client.get("/clients/new/?bureau=x").status_code == 400

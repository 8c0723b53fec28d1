"""Every menu link of every role answers, and a Chinese page shows none of the English words found
in use (issue 19, items 5 and 6)."""

import re

import pytest

from sanwen.campaigns.models import HandlingMode
from sanwen.cases.services import case_accept, case_assign, case_register
from sanwen.core.access import Role

from .test_operator_pages import _menu

HREF = re.compile(r'href="(/[^"#]*)"')
# Words once left on Chinese pages (labels, raw codes of the six zeros, the language menu).
OFFENDERS = re.compile(
    r"Household visits|Cases raised|Cases resolved|Cases rated|\b(delay|omission|error|lapse|distance|breach)\b"
    r"|英语|\bName\b"
)


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_menu_link_answers_and_speaks_chinese(client, world, role):
    client.force_login(world.a.users[role])
    pages = _menu(client)
    assert pages
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (role, url, response.status_code)
        if response.get("Content-Type", "").startswith("text/html"):
            found = OFFENDERS.search(_text(response.content.decode()))
            assert found is None, (role, url, found and found.group(0))


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["delay", "omission", "error", "commitments", "quota", "distance"])
def test_a_figures_records_are_named_not_coded(client, world, code):
    client.force_login(world.a.users[Role.LEADER])
    response = client.get(f"/accountability/scorecard/records/?code={code}")
    assert response.status_code == 200
    heading = response.content.decode().split('id="figure-code"')[1].split("</span>")[0]
    assert code not in heading.split(">", 1)[1]
    assert re.search(r"[\u4e00-\u9fff]", heading)


@pytest.mark.django_db
def test_the_language_menu_names_each_language_in_itself(client, world):
    client.force_login(world.a.users[Role.STAFF])
    for language in ("zh-hans", "zh-hant", "en"):
        client.cookies["sanwen_language"] = language
        body = client.get("/").content.decode()
        menu = body.split('id="language"')[1].split("</select>")[0]
        assert ">简体中文<" in menu and ">繁體中文<" in menu and ">English<" in menu, language


@pytest.mark.django_db
@pytest.mark.parametrize("ask", ["need", "suggestion", "opinion"])
def test_the_resolve_form_asks_for_an_evaluation_only_of_a_suggestion(client, world, ask):
    a = world.a
    case = case_register(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        description="测试",
        ask_kind=ask,
        source="visit",
        household=a.farmer,
        mode=HandlingMode.objects.get(campaign=a.campaign, code="immediate"),
        raised_on=a.campaign.start,
    )
    head = a.users[Role.DEPT_HEAD]
    case = case_accept(case=case, by=head, on=a.campaign.start)
    case = case_assign(case=case, by=head, owner=a.users[Role.STAFF], on=a.campaign.start)
    client.force_login(a.users[Role.STAFF])  # the owner, to whom the page offers resolving
    context = client.get(f"/cases/{case.pk}/").context
    form = context["forms"]["resolve"]
    assert ("evaluation" in form.fields) is (ask == "suggestion")
    # The page makes the forms of the actions it offers, and only those.
    assert "resolve" in context["actions"] and set(context["forms"]) <= context["actions"]
    assert "assign" not in context["actions"] and "assign" not in context["forms"]


@pytest.mark.django_db
def test_assessments_open_on_the_current_year_and_names_open_them(client, world):
    from django.utils import timezone

    from sanwen.accountability.services import assessment_start

    a = world.a
    year = timezone.localdate().year
    staff = a.users[Role.STAFF]
    assessment = assessment_start(staff=staff, year=year, by=a.users[Role.LEADER])
    client.force_login(a.users[Role.LEADER])
    response = client.get("/accountability/assessments/")
    assert response.context["year"] == year
    assert (
        f'href="/accountability/assessments/{assessment.pk}/">{staff.name}</a>' in response.content.decode()
    )

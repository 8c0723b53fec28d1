"""The home page's banner while next year's holidays are missing: administrators are asked to enter
them; leaders and department heads learn that limits reaching that year stay pending (issue 19, item 7)."""

import datetime

import pytest
from django.utils import timezone

from sanwen.campaigns.models import HandlingMode
from sanwen.cases.models import Case
from sanwen.cases.services import case_register
from sanwen.core.access import Role

NOVEMBER = datetime.date(2026, 11, 30)  # chinese-calendar knows 2026, not 2027
OCTOBER = datetime.date(2026, 10, 30)


@pytest.fixture
def on(monkeypatch):
    def set_day(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_day


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_who_is_warned_and_what_they_are_told(client, world, on, role):
    on(NOVEMBER)
    client.force_login(world.a.users[role])
    body = client.get("/").content.decode()
    warned = role in (Role.ADMIN, Role.LEADER, Role.DEPT_HEAD)
    assert ('id="calendar-warning"' in body) is warned
    if warned:
        assert "2027" in body
        assert ('href="/calendar/"' in body) is (role == Role.ADMIN)


@pytest.mark.django_db
def test_the_banner_counts_the_cases_whose_limit_is_pending(client, world, on):
    on(NOVEMBER)
    a = world.a
    case = case_register(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        description="跨年事项",
        ask_kind="need",
        source="visit",
        household=a.farmer,
        mode=HandlingMode.objects.get(campaign=a.campaign, code="immediate"),
        raised_on=NOVEMBER,
    )
    client.force_login(a.users[Role.LEADER])
    assert 'id="pending-limits"' not in client.get("/").content.decode()
    Case.objects.filter(pk=case.pk).update(deadline=None, deadline_pending="2027")
    body = client.get("/").content.decode()
    assert 'id="pending-limits"' in body
    assert "1" in body.split('id="pending-limits"')[1].split("</span>")[0]
    client.force_login(world.b.users[Role.LEADER])  # another bureau's pending case is not counted
    assert 'id="pending-limits"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_no_banner_before_november(client, world, on):
    on(OCTOBER)
    for role in (Role.ADMIN, Role.LEADER):
        client.force_login(world.a.users[role])
        assert 'id="calendar-warning"' not in client.get("/").content.decode()

"""The statistics dashboard shows the handling modes and deed kinds of its figures in the language
chosen (they are grouped by their simplified names in the database)."""

import html

import pytest
from django.test import Client
from django.utils import timezone

from sanwen.campaigns.models import DeedKind, HandlingMode
from sanwen.cases import services as cases_services
from sanwen.core.access import Role


@pytest.mark.parametrize("language, field", [("en", "name_en"), ("zh-hant", "name_zh_hant")])
def test_the_dashboard_names_modes_and_deed_kinds_in_the_language_chosen(world, language, field):
    a = world.a
    leader = a.users[Role.LEADER]
    today = timezone.localdate()
    modes = list(HandlingMode.objects.filter(campaign=a.campaign, active=True).order_by("order")[:3])
    for mode in modes:
        cases_services.case_register(
            bureau=a.bureau,
            by=a.users[Role.STAFF],
            description="测试事项",
            ask_kind="need",
            source="phone",
            household=a.farmer,
            mode=mode,
            raised_on=today,
        )
    kinds = list(DeedKind.objects.filter(campaign=a.campaign, active=True).order_by("order")[:3])
    for kind in kinds:
        cases_services.deed_record(
            bureau=a.bureau,
            by=leader,
            kind=kind,
            quantity=2,
            on=today,
            description="记录",
            department=a.department,
        )
    client = Client()
    client.force_login(leader)
    client.cookies["sanwen_language"] = language
    response = client.get(f"/reports/?from={today.replace(day=1)}&to={today}")
    assert response.status_code == 200
    shown = {m["mode__name"] for m in response.context["data"]["by_mode"]}
    shown |= {d["kind__name"] for d in response.context["data"]["deeds"]}
    page = html.unescape(response.content.decode())
    assert modes and kinds
    for term in modes + kinds:
        translated = getattr(term, field)
        assert translated and translated != term.name_zh_hans or field == "name_zh_hant"
        assert translated in shown and translated in page, term.code

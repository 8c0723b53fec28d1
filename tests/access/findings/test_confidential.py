"""Review: a confidential case's raiser is hidden, but the search finds it by the raiser's name/phone."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from sanwen.campaigns.models import HandlingMode
from sanwen.cases.services import case_register
from sanwen.core.access import Role


def test_search_finds_confidential_case_by_raisers_phone(client, world):
    a = world.a
    mode = HandlingMode.objects.get(campaign=a.campaign, code="deadline")
    case = case_register(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        description="反映站点收购压级压价",
        title="收购压级",
        ask_kind="need",
        source="visit",
        household=a.farmer,
        mode=mode,
        raised_on=datetime.date(2026, 3, 2),
        confidential=True,
    )
    inspector = a.users[Role.INSPECTOR]  # VIEW_CASES, not SEE_CONFIDENTIAL
    client.force_login(inspector)
    page = client.get("/cases/", {"q": "13812341234"}).content.decode()
    api = client.get("/api/v1/cases", {"q": "13812341234"}).json()
    found_page = case.number in page
    found_api = [c["id"] for c in api["items"]]
    detail = client.get("/api/v1/cases", {}).json()
    me = next(c for c in detail["items"] if c["id"] == case.pk)
    assert me["household_name"] is None  # masked on its own
    assert not found_page and case.pk not in found_api, (
        f"search by the raiser's phone finds the confidential case: page={found_page} api={found_api}"
    )


def test_audit_trail_names_the_confidential_raiser(client, world):
    a = world.a
    mode = HandlingMode.objects.get(campaign=a.campaign, code="deadline")
    case = case_register(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        description="反映站点收购压级压价",
        title="收购压级",
        ask_kind="need",
        source="visit",
        household=a.farmer,
        mode=mode,
        raised_on=datetime.date(2026, 3, 2),
        confidential=True,
    )
    leaked = []
    for role in (Role.INSPECTOR, Role.ADMIN):
        client.force_login(a.users[role])
        body = client.get("/audit/", {"type": "cases.case", "id": case.pk}).content.decode()
        if a.farmer.name in body:
            leaked.append(f"{role.value}: raiser {a.farmer.name}")
        from sanwen.core.codes import display

        if case.tracking_code in body or display(case.tracking_code) in body:
            leaked.append(f"{role.value}: tracking code")
    assert not leaked, leaked


def test_an_api_key_never_gets_to_see_confidential_raisers(client, world):
    """An administrator may not see a confidential case's raiser (no SEE_CONFIDENTIAL), but may make an
    API key with it: the key then reads the raiser and the rating code."""
    from django.utils import timezone

    from sanwen.api.services import api_key_create
    from sanwen.core.access import Cap, has_cap

    a = world.a
    admin = a.users[Role.ADMIN]
    assert not has_cap(admin, Cap.SEE_CONFIDENTIAL)
    mode = HandlingMode.objects.get(campaign=a.campaign, code="deadline")
    case = case_register(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        description="反映站点收购压级压价",
        title="收购压级",
        ask_kind="need",
        source="visit",
        household=a.farmer,
        mode=mode,
        raised_on=datetime.date(2026, 3, 2),
        confidential=True,
    )
    client.force_login(admin)
    own = client.get(f"/api/v1/cases/{case.pk}").json()
    assert own["household_name"] is None
    with pytest.raises(ValidationError):  # a machine never sees confidential raisers
        api_key_create(
            by=admin,
            name="对接",
            caps=[Cap.VIEW_CASES, Cap.SEE_CONFIDENTIAL],
            expires_on=timezone.localdate() + datetime.timedelta(days=30),
        )


def test_inspector_reads_audit_entries_about_api_keys(client, world):
    """api.apikey has a narrower rule (administrators only) but is not in AUDITED_NARROWER."""
    from django.utils import timezone

    from sanwen.api.models import ApiKey
    from sanwen.api.services import api_key_create
    from sanwen.core.access import Cap, visible

    a = world.a
    key, _token = api_key_create(
        by=a.users[Role.ADMIN],
        name="市局数据对接",
        caps=[Cap.VIEW_CASES],
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    inspector = a.users[Role.INSPECTOR]
    assert not visible(ApiKey.objects.all(), inspector).exists()
    client.force_login(inspector)
    body = client.get("/audit/").content.decode()
    assert "市局数据对接" not in body and key.prefix not in body, "inspector reads API keys' audit entries"

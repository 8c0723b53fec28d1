"""Review: Open311's public list publishes every 公开办 case's tracking code — the secret that lets its
holder rate the case (sees_tracking_code keeps it even from most staff). Anyone can then rate
(不满意 reopens the case and counts against the staff member's figures)."""

import datetime

from sanwen.campaigns.models import HandlingMode
from sanwen.cases.models import Case
from sanwen.cases.services import case_accept, case_assign, case_register, case_resolve
from sanwen.core.access import Role


def test_anyone_rates_a_public_case_with_the_code_open311_lists(client, world):
    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    day = datetime.date(2026, 3, 2)
    tracked = HandlingMode.objects.get(campaign=a.campaign, code="tracked")
    case = case_register(
        bureau=a.bureau,
        by=staff,
        description="烟苗长势差请技术指导",
        ask_kind="need",
        source="phone",
        household=a.farmer,
        mode=tracked,
        raised_on=day,
    )
    case = case_assign(case=case_accept(case=case, by=head, on=day), by=head, owner=staff, on=day)
    case = case_resolve(case=case, by=staff, resolution="技术员上门指导", on=day)
    Case.objects.filter(pk=case.pk).update(public=True)
    rows = client.get("/open311/v2/requests.json", {"jurisdiction_id": a.bureau.code}).json()
    codes = [r["service_request_id"] for r in rows]
    assert codes == [case.number]  # the board names a case by its public number, not its code
    client.post(
        "/p/track/rate/", {"code": codes[0], "satisfaction": "dissatisfied", "comment": "根本没人来处理"}
    )
    case.refresh_from_db()
    assert case.state == "resolved", f"a stranger rated the case with the listed code: now {case.state}"

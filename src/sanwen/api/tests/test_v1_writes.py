"""Keys that write, acting for a named staff member; the case steps the pages have beyond the
lifecycle form (extension decisions, follow-ups), batches and deeds over the API."""

import datetime

import pytest
from django.utils import timezone

from sanwen.api.models import ApiKey, ApiKeyUse
from sanwen.cases.models import Batch, Case, CaseEvent, Deed, Extension, FollowUp, State
from sanwen.core.access import Cap, Role
from sanwen.core.models import AuditEvent

JSON = "application/json"


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _post(client, url, body, **extra):
    return client.post(url, body, content_type=JSON, **extra)


def _fingerprint():
    return (
        list(Case.objects.order_by("pk").values_list("pk", "state", "version")),
        AuditEvent.objects.count(),
        CaseEvent.objects.count(),
    )


# --- keys that write ------------------------------------------------------------------------


def test_a_key_acting_for_a_head_accepts_and_the_trail_names_the_head(client, world, make_key, register):
    case = register()
    head = world.a.users[Role.DEPT_HEAD]
    token, key = make_key(Cap.VIEW_CASES, Cap.DISPATCH_CASES, acts_for=head)
    response = _post(client, f"/api/v1/cases/{case.pk}/accept", {"version": case.version}, **_bearer(token))
    assert response.status_code == 200, response.content
    assert response.json()["state"] == State.ACCEPTED
    accepted = CaseEvent.objects.get(case=case, kind="accepted")
    assert accepted.by == head
    assert (
        AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).latest("id").actor == head
    )
    assert ApiKeyUse.objects.get(key=key).status == 200


@pytest.mark.parametrize("action", ["accept", "decline", "note", "resolve", "merge"])
def test_a_key_acting_for_nobody_writes_nothing(client, world, make_key, register, action):
    case = register()
    token, _key = make_key(Cap.VIEW_CASES, Cap.HANDLE_CASES, Cap.DISPATCH_CASES)
    before = _fingerprint()
    body = {"version": case.version, "reason": "x", "text": "x", "resolution": "x", "into": "2026-00001"}
    response = _post(client, f"/api/v1/cases/{case.pk}/{action}", body, **_bearer(token))
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert "只能读取" in response.json()["error"]["message"]
    assert _fingerprint() == before


def test_the_keys_capabilities_bound_the_persons(client, world, make_key, register):
    """The head may decline, but this key was given handling only: it may not decline for them."""
    case = register()
    head = world.a.users[Role.DEPT_HEAD]
    handling, _ = make_key(Cap.VIEW_CASES, Cap.HANDLE_CASES, acts_for=head)
    before = _fingerprint()
    body = {"version": case.version, "reason": "不属于本局职责"}
    response = _post(client, f"/api/v1/cases/{case.pk}/decline", body, **_bearer(handling))
    assert response.status_code == 403
    assert _fingerprint() == before
    # The same request with a key that may dispatch is the head's decline.
    dispatching, _ = make_key(Cap.VIEW_CASES, Cap.DISPATCH_CASES, acts_for=head)
    response = _post(client, f"/api/v1/cases/{case.pk}/decline", body, **_bearer(dispatching))
    assert response.status_code == 200, response.content
    assert CaseEvent.objects.get(case=case, kind="declined").by == head


def test_the_detail_offers_a_key_the_actions_of_the_person_it_acts_for(client, world, make_key, register):
    case = register()
    reader, _ = make_key(Cap.VIEW_CASES, Cap.DISPATCH_CASES)
    writer, _ = make_key(Cap.VIEW_CASES, Cap.DISPATCH_CASES, acts_for=world.a.users[Role.DEPT_HEAD])
    assert client.get(f"/api/v1/cases/{case.pk}", **_bearer(reader)).json()["actions"] == []
    assert {"accept", "decline"} <= set(
        client.get(f"/api/v1/cases/{case.pk}", **_bearer(writer)).json()["actions"]
    )


def test_a_key_of_a_deactivated_person_writes_nothing(client, world, make_key, register):
    case = register()
    head = world.a.users[Role.DEPT_HEAD]
    token, _key = make_key(Cap.VIEW_CASES, Cap.DISPATCH_CASES, acts_for=head)
    head.is_active = False
    head.save(update_fields=["is_active"])
    before = _fingerprint()
    response = _post(client, f"/api/v1/cases/{case.pk}/accept", {"version": case.version}, **_bearer(token))
    assert response.status_code == 403 and _fingerprint() == before


def test_a_key_registers_a_case_raised_by_the_person(client, world, make_key):
    staff = world.a.users[Role.STAFF]
    token, _key = make_key(Cap.VIEW_CASES, Cap.HANDLE_CASES, acts_for=staff)
    response = _post(
        client,
        "/api/v1/cases",
        {
            "description": "订货难",
            "ask_kind": "need",
            "mode": "immediate",
            "household": world.a.farmer.pk,
            "raised_on": str(timezone.localdate()),
        },
        **_bearer(token),
    )
    assert response.status_code == 201, response.content
    assert Case.objects.get(pk=response.json()["id"]).raised_by == staff


def _make(client, caps, acts_for=None):
    expires = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    data = {"name": "中台", "caps": caps, "expires_on": expires, "rate_per_minute": 120}
    if acts_for is not None:
        data["acts_for"] = acts_for.pk
    return client.post("/api/keys/", data)


def test_the_administrator_names_who_a_writing_key_acts_for(client, world):
    client.force_login(world.a.users[Role.ADMIN])
    assert "签" in _make(client, [Cap.VIEW_CASES, Cap.HANDLE_CASES]).content.decode()  # refused: no one named
    assert not ApiKey.objects.exists()
    # A staff member may not dispatch: the key may not either.
    response = _make(client, [Cap.DISPATCH_CASES], acts_for=world.a.users[Role.STAFF])
    assert response.context["form"].errors and not ApiKey.objects.exists()
    # Someone of another bureau is not offered.
    response = _make(client, [Cap.HANDLE_CASES], acts_for=world.b.users[Role.STAFF])
    assert "acts_for" in response.context["form"].errors and not ApiKey.objects.exists()
    response = _make(client, [Cap.VIEW_CASES, Cap.DISPATCH_CASES], acts_for=world.a.users[Role.DEPT_HEAD])
    assert response.context["token"]
    key = ApiKey.objects.get()
    assert key.acts_for == world.a.users[Role.DEPT_HEAD]
    event = AuditEvent.objects.get(object_type="api.apikey")
    assert event.changes["acts_for"] == [None, world.a.users[Role.DEPT_HEAD].pk]
    # A read-only key needs nobody.
    assert _make(client, [Cap.VIEW_CASES]).context["token"]
    assert ApiKey.objects.filter(acts_for=None).count() == 1


# --- extensions and follow-ups ------------------------------------------------------------------


def _accepted(register, world, code="immediate"):
    from sanwen.cases import services

    case = register(code, on=timezone.localdate())
    head = world.a.users[Role.DEPT_HEAD]
    case = services.case_accept(
        case=case, by=head, mode=case.mode, deadline=None, expected_version=case.version
    )
    return services.case_assign(
        case=case, by=head, owner=world.a.users[Role.STAFF], expected_version=case.version
    )


def test_an_extension_is_asked_for_and_decided_by_a_leader(client, world, register):
    case = _accepted(register, world)
    client.force_login(world.a.users[Role.STAFF])
    until = case.deadline + datetime.timedelta(days=14)
    while until.weekday() >= 5:
        until += datetime.timedelta(days=1)
    asked = _post(
        client,
        f"/api/v1/cases/{case.pk}/extension",
        {"version": case.version, "until": until.isoformat(), "reason": "需协调"},
    )
    assert asked.status_code == 200, asked.content
    (extension,) = asked.json()["extensions"]
    assert extension["state"] == "pending"
    url = f"/api/v1/cases/{case.pk}/extensions/{extension['id']}/decide"
    # The staff member may not decide.
    refused = _post(client, url, {"approve": True})
    assert refused.status_code == 403
    assert Extension.objects.get().state == "pending"
    client.force_login(world.a.users[Role.LEADER])
    decided = _post(client, url, {"approve": True, "note": "同意"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["deadline"] == until.isoformat()
    assert decided.json()["extensions"][0]["state"] == "approved"
    again = _post(client, url, {"approve": False})
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid"
    assert Extension.objects.get().state == "approved"


def test_another_bureaus_extension_is_not_found(client, world, register):
    case = _accepted(register, world)
    Extension.objects.create(
        case=case,
        requested_by=world.a.users[Role.STAFF],
        requested_on=case.raised_on,
        until=case.deadline,
        reason="x",
    )
    client.force_login(world.b.users[Role.LEADER])
    ext = Extension.objects.get()
    assert (
        _post(client, f"/api/v1/cases/{case.pk}/extensions/{ext.pk}/decide", {"approve": True}).status_code
        == 404
    )
    assert Extension.objects.get().state == "pending"


def test_a_follow_up_is_recorded(client, world, register):
    from sanwen.cases import services

    case = _accepted(register, world, code="tracked")
    staff = world.a.users[Role.STAFF]
    case = services.case_resolve(case=case, by=staff, resolution="已解决", expected_version=case.version)
    client.force_login(staff)
    detail = client.get(f"/api/v1/cases/{case.pk}").json()
    assert len(detail["follow_ups"]) == 3
    first = detail["follow_ups"][0]["id"]
    url = f"/api/v1/cases/{case.pk}/follow-ups/{first}/record"
    empty = _post(client, url, {"note": "  "})
    assert empty.status_code == 400 and "note" in empty.json()["error"]["fields"]
    done = _post(client, url, {"note": "长势良好"})
    assert done.status_code == 200, done.content
    assert FollowUp.objects.get(pk=first).by == staff
    assert _post(client, url, {"note": "再记"}).status_code == 400


# --- batches and deeds ----------------------------------------------------------------------------


def _working_day(start):
    day = start + datetime.timedelta(days=7)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def test_a_batch_is_made_filled_and_resolved(client, world, register):
    head = world.a.users[Role.DEPT_HEAD]
    client.force_login(world.a.users[Role.STAFF])
    deadline = _working_day(timezone.localdate()).isoformat()
    assert _post(client, "/api/v1/batches", {"title": "订货难", "deadline": deadline}).status_code == 403
    client.force_login(head)
    made = _post(client, "/api/v1/batches", {"title": "订货难", "deadline": deadline})
    assert made.status_code == 201, made.content
    batch_id = made.json()["id"]
    cases = [_accepted(register, world) for _ in range(2)]
    for case in cases:
        added = _post(client, f"/api/v1/batches/{batch_id}/cases", {"number": case.number})
        assert added.status_code == 200, added.content
    missing = _post(client, f"/api/v1/batches/{batch_id}/cases", {"number": "1999-00001"})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid"
    detail = client.get(f"/api/v1/batches/{batch_id}").json()
    assert {c["id"] for c in detail["cases"]} == {c.pk for c in cases} and detail["open"] == 2
    resolved = _post(client, f"/api/v1/batches/{batch_id}/resolve", {"outcome": "统一解决"})
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["done"] == 2
    assert set(Case.objects.filter(batch_id=batch_id).values_list("state", flat=True)) == {State.RESOLVED}
    assert [b["id"] for b in client.get("/api/v1/batches").json()["items"]] == [batch_id]
    client.force_login(world.b.users[Role.LEADER])
    assert client.get(f"/api/v1/batches/{batch_id}").status_code == 404
    assert client.get("/api/v1/batches").json()["items"] == []
    assert Batch.objects.count() == 1


def test_a_deed_is_recorded_with_its_cases(client, world, register):
    case = register()
    client.force_login(world.a.users[Role.STAFF])
    body = {
        "kind": "cabinets",
        "quantity": "2",
        "on": str(timezone.localdate()),
        "description": "送展示柜",
        "cases": [case.number],
    }
    made = _post(client, "/api/v1/deeds", body)
    assert made.status_code == 201, made.content
    deed = Deed.objects.get()
    assert made.json()["cases"] == [case.pk] and deed.recorded_by == world.a.users[Role.STAFF]
    assert deed.vehicle.code == "service"  # the kind's usual vehicle


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "nonsense"}, "kind"),
        ({"quantity": "0"}, "quantity"),
        ({"vehicle": "nonsense"}, "vehicle"),
        ({"description": ""}, "description"),
        ({"cases": ["2099-00077"]}, None),
    ],
)
def test_a_bad_deed_is_refused_in_chinese_and_nothing_is_saved(client, world, change, field):
    client.force_login(world.a.users[Role.STAFF])
    body = {"kind": "cabinets", "quantity": "2", "on": str(timezone.localdate()), "description": "送展示柜"}
    response = _post(client, "/api/v1/deeds", body | change)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    if field:
        assert field in error["fields"]
    assert not Deed.objects.exists()


def test_a_key_acting_for_nobody_records_no_deed_and_no_batch(client, world, make_key):
    token, _ = make_key(Cap.VIEW_CASES, Cap.HANDLE_CASES, Cap.DISPATCH_CASES)
    body = {"kind": "cabinets", "quantity": "2", "on": str(timezone.localdate()), "description": "x"}
    assert _post(client, "/api/v1/deeds", body, **_bearer(token)).status_code == 403
    deadline = _working_day(timezone.localdate()).isoformat()
    assert (
        _post(client, "/api/v1/batches", {"title": "x", "deadline": deadline}, **_bearer(token)).status_code
        == 403
    )
    assert not Deed.objects.exists() and not Batch.objects.exists()


def test_the_batch_list_runs_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    from sanwen.cases import services

    head = world.a.users[Role.DEPT_HEAD]
    deadline = _working_day(timezone.localdate())
    for i in range(12):
        services.batch_create(bureau=world.a.bureau, by=head, owner=head, title=f"第{i}批", deadline=deadline)
    client.force_login(head)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/batches").json()
    assert len(body["items"]) == 12 and all(b["total"] == 0 for b in body["items"])

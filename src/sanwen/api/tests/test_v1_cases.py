import datetime

from sanwen.cases.models import Case, CaseEvent, State
from sanwen.core.access import Role


def test_the_case_list_is_the_users_bureau_newest_first_with_a_cursor(client, world, register):
    ours = [register(title=f"第{i}件") for i in range(3)]
    register(bw=world.b)
    client.force_login(world.a.users[Role.STAFF])
    first = client.get("/api/v1/cases", {"limit": 2}).json()
    assert [c["id"] for c in first["items"]] == [ours[2].pk, ours[1].pk]
    second = client.get("/api/v1/cases", {"limit": 2, "cursor": first["next"]}).json()
    assert [c["id"] for c in second["items"]] == [ours[0].pk] and second["next"] is None


def test_the_case_list_takes_the_pages_filters(client, world, register):
    register(ask_kind="need")
    worry = register(ask_kind="opinion", description="担心假烟")
    client.force_login(world.a.users[Role.STAFF])
    assert [c["id"] for c in client.get("/api/v1/cases", {"ask_kind": "opinion"}).json()["items"]] == [
        worry.pk
    ]
    assert [c["id"] for c in client.get("/api/v1/cases", {"q": "假烟"}).json()["items"]] == [worry.pk]
    assert client.get("/api/v1/cases", {"state": "resolved"}).json()["items"] == []


def test_the_case_list_runs_a_bounded_number_of_queries(
    client, world, register, django_assert_max_num_queries
):
    for i in range(12):
        register(title=f"第{i}件")
    client.force_login(world.a.users[Role.STAFF])
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/cases").json()["items"]) == 12


def test_a_confidential_raiser_is_hidden_from_other_handlers(client, world, register):
    case = register(confidential=True, contact_name="王五", contact_phone="13812345678")
    client.force_login(world.a.users[Role.INSPECTOR])
    body = client.get(f"/api/v1/cases/{case.pk}").json()
    assert body["household_id"] is None and body["contact_phone"] == "" and body["tracking_code"] is None
    client.force_login(world.a.users[Role.LEADER])
    body = client.get(f"/api/v1/cases/{case.pk}").json()
    assert body["household_id"] == world.a.retailer.pk and body["contact_phone"] == "138****5678"


def test_another_bureaus_case_is_not_found_in_the_error_shape(client, world, register):
    case = register(bw=world.b)
    client.force_login(world.a.users[Role.LEADER])
    response = client.get(f"/api/v1/cases/{case.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_detail_has_the_timeline(client, world, register):
    case = register()
    client.force_login(world.a.users[Role.STAFF])
    body = client.get(f"/api/v1/cases/{case.pk}").json()
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds[0] == "registered" and body["timeline"][0]["kind_label"] == "已登记"
    # The clock's days (the case was raised in the past and is not accepted) follow, named by kind.
    assert all(kind.startswith("alert_") for kind in kinds[1:])


def test_a_case_is_registered_through_the_service(client, world):
    client.force_login(world.a.users[Role.STAFF])
    response = client.post(
        "/api/v1/cases",
        {
            "description": "烟叶收购价格看不懂",
            "ask_kind": "need",
            "source": "phone",
            "mode": "immediate",
            "household": world.a.farmer.pk,
            "raised_on": str(datetime.date.today()),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.raised_by == world.a.users[Role.STAFF] and case.household == world.a.farmer
    assert CaseEvent.objects.filter(case=case, kind="registered").exists()


def test_a_bad_registration_answers_with_chinese_field_errors(client, world):
    client.force_login(world.a.users[Role.STAFF])
    response = client.post(
        "/api/v1/cases",
        {"description": "x", "ask_kind": "need", "mode": "nonsense", "raised_on": "2026-03-02"},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "mode" in error["fields"]
    assert not Case.objects.exists()


def test_the_lifecycle_runs_with_the_stale_version_check(client, world, register):
    case = register()
    head = world.a.users[Role.DEPT_HEAD]
    client.force_login(head)
    url = f"/api/v1/cases/{case.pk}"
    body = client.post(f"{url}/accept", {"version": case.version}, content_type="application/json").json()
    assert body["state"] == State.ACCEPTED
    stale = client.post(
        f"{url}/assign", {"version": case.version, "owner": head.pk}, content_type="application/json"
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    assigned = client.post(
        f"{url}/assign",
        {"version": body["version"], "owner": world.a.users[Role.STAFF].pk},
        content_type="application/json",
    ).json()
    assert assigned["state"] == State.ASSIGNED and assigned["owner"] == world.a.users[Role.STAFF].name


def test_a_staff_member_may_not_decline(client, world, register):
    case = register(by=world.a.users[Role.LEADER])
    client.force_login(world.a.users[Role.STAFF])
    response = client.post(
        f"/api/v1/cases/{case.pk}/decline",
        {"version": case.version, "reason": "不属于"},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    case.refresh_from_db()
    assert case.state == State.REGISTERED


def test_writes_need_the_csrf_token_with_a_session(world, register):
    from django.test import Client

    case = register()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.users[Role.DEPT_HEAD])
    response = client.post(
        f"/api/v1/cases/{case.pk}/accept", {"version": case.version}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["error"]["message"])
    case.refresh_from_db()
    assert case.state == State.REGISTERED


def test_notes_contacts_and_extensions_go_through_the_pages_forms(client, world, register):
    case = register()
    head = world.a.users[Role.DEPT_HEAD]
    client.force_login(head)
    url = f"/api/v1/cases/{case.pk}"
    note = client.post(
        f"{url}/note", {"version": case.version, "text": "已电话联系"}, content_type="application/json"
    )
    assert note.status_code == 200
    assert CaseEvent.objects.filter(case=case, kind="note", text="已电话联系").exists()
    empty = client.post(f"{url}/contact", {"version": case.version}, content_type="application/json")
    assert empty.status_code == 400 and {"kind", "on"} <= set(empty.json()["error"]["fields"])

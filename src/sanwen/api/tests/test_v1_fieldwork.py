import datetime
import uuid

from django.utils import timezone

from sanwen.api.models import ClientSubmission
from sanwen.core.access import Role
from sanwen.fieldwork.models import Meeting, Visit, VisitHousehold


def _recent() -> datetime.date:
    """A day inside the accepted window (FIELDWORK_DATE_WINDOW_DAYS) before today."""
    return timezone.localdate() - datetime.timedelta(days=3)


def _visit(world, client_id, **extra):
    body = {
        "client_id": str(client_id),
        "on": str(_recent()),
        "diary": "走访钟林，谈烟叶收购",
        "households": [world.a.farmer.pk],
    }
    body.update(extra)
    return body


def test_a_resent_visit_is_recorded_once(client, world):
    client.force_login(world.a.users[Role.STAFF])
    body = _visit(world, uuid.uuid4(), items=[{"kind": "need", "text": "想学烘烤技术"}])
    first = client.post("/api/v1/visits", body, content_type="application/json")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/visits", body, content_type="application/json")
    assert again.status_code == 200 and again.json() == first.json()
    assert Visit.objects.count() == 1 and VisitHousehold.objects.count() == 1
    assert len(first.json()["cases"]) == 1
    assert ClientSubmission.objects.get().object_id == first.json()["id"]


def test_a_refused_visit_leaves_its_id_free_for_the_corrected_resend(client, world):
    client.force_login(world.a.users[Role.STAFF])
    client_id = uuid.uuid4()
    bad = client.post(
        "/api/v1/visits",
        _visit(world, client_id, households=[world.b.farmer.pk]),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "households" in bad.json()["error"]["fields"]
    assert not Visit.objects.exists() and not ClientSubmission.objects.exists()
    good = client.post("/api/v1/visits", _visit(world, client_id), content_type="application/json")
    assert good.status_code == 201


def test_visits_are_listed_and_read_within_the_bureau(client, world):
    client.force_login(world.a.users[Role.STAFF])
    made = client.post("/api/v1/visits", _visit(world, uuid.uuid4()), content_type="application/json").json()
    assert [v["id"] for v in client.get("/api/v1/visits").json()["items"]] == [made["id"]]
    assert client.get(f"/api/v1/visits/{made['id']}").json()["diary"] == "走访钟林，谈烟叶收购"
    client.force_login(world.b.users[Role.LEADER])
    assert client.get("/api/v1/visits").json()["items"] == []
    assert client.get(f"/api/v1/visits/{made['id']}").status_code == 404


def test_a_resent_meeting_is_recorded_once(client, world):
    client.force_login(world.a.users[Role.STAFF])
    body = {
        "client_id": str(uuid.uuid4()),
        "kind": "village",
        "title": "大龙村烟农座谈会",
        "on": str(_recent()),
        "place": "大龙村委会",
        "minutes": "烟农反映了烘烤和收购的问题",
        "village": world.a.village.pk,
        "households": [world.a.farmer.pk],
    }
    first = client.post("/api/v1/meetings", body, content_type="application/json")
    assert first.status_code == 201, first.content
    assert client.post("/api/v1/meetings", body, content_type="application/json").status_code == 200
    assert Meeting.objects.count() == 1
    assert [m["id"] for m in client.get("/api/v1/meetings").json()["items"]] == [first.json()["id"]]


def test_a_nul_character_is_refused_in_the_error_shape(client, world):
    client.force_login(world.a.users[Role.STAFF])
    response = client.post(
        "/api/v1/visits", _visit(world, uuid.uuid4(), diary="走访\x00钟林"), content_type="application/json"
    )
    assert response.status_code == 400 and "diary" in response.json()["error"]["fields"]
    assert not Visit.objects.exists()


def test_the_visit_list_runs_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.a.users[Role.STAFF])
    for _ in range(8):
        client.post("/api/v1/visits", _visit(world, uuid.uuid4()), content_type="application/json")
    with django_assert_max_num_queries(9):
        assert len(client.get("/api/v1/visits").json()["items"]) == 8
    with django_assert_max_num_queries(9):
        client.get("/api/v1/meetings")

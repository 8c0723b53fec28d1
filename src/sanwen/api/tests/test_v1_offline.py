"""The phone's outbox: records uploaded as the page form's fields, applied once by their phone-made
id, refused with a reason in Chinese and nothing changed; the phone's own household set."""

import datetime
import io
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from sanwen.api.models import ClientSubmission
from sanwen.cases.models import Case
from sanwen.core.access import Role
from sanwen.core.models import AuditEvent
from sanwen.fieldwork.models import FieldDay, Meeting, Visit, VisitPhoto
from sanwen.fieldwork.services import visit_record


def _day(days_ago=2) -> str:
    return str(timezone.localdate() - datetime.timedelta(days=days_ago))


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 40)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "IMG_1.jpg"
    return buffer


def _visit(world, user, **extra):
    body = {
        "client_id": str(uuid.uuid4()),
        "owner": str(user.pk),
        "recorded_at": "2026-11-28T09:15:00+08:00",
        "on": _day(),
        "channel": "face",
        "households": str(world.a.farmer.pk),
        "diary": "到钟林家查看烟苗，烟苗长势整齐",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-kind": "difficulty",
        "items-0-household": str(world.a.farmer.pk),
        "items-0-text": "烤房漏风，希望帮助维修",
    }
    body.update(extra)
    return body


def _staff(client, world):
    user = world.a.users[Role.STAFF]
    client.force_login(user)
    return user


def test_a_visit_with_a_photo_is_applied_once_however_often_it_is_sent(client, world):
    user = _staff(client, world)
    body = _visit(world, user)
    first = client.post("/api/v1/offline/visits", {**body, "photos": _jpeg()})
    assert first.status_code == 201, first.content
    for _ in range(3):
        again = client.post("/api/v1/offline/visits", {**body, "photos": _jpeg()})
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    visit = Visit.objects.get()
    assert first.json()["url"] == visit.get_absolute_url()
    assert VisitPhoto.objects.filter(visit=visit).count() == 1
    assert Case.objects.filter(visit=visit).count() == 1
    assert FieldDay.objects.filter(staff=user, on=visit.on).count() == 1
    assert ClientSubmission.objects.get().kind == "visit"
    # The audit trail has both times: the entry's own (arrival) and the phone's, with the date.
    event = AuditEvent.objects.get(object_type="fieldwork.visit", object_id=str(visit.pk))
    assert "2026-11-28T09:15:00+08:00" in event.note and event.changes["on"][1] == body["on"]


def test_the_same_id_from_the_json_api_and_the_outbox_is_one_visit(client, world):
    user = _staff(client, world)
    body = _visit(world, user)
    assert client.post("/api/v1/offline/visits", body).status_code == 201
    json_body = {
        "client_id": body["client_id"],
        "on": body["on"],
        "diary": body["diary"],
        "households": [world.a.farmer.pk],
    }
    assert client.post("/api/v1/visits", json_body, content_type="application/json").status_code == 200
    assert Visit.objects.count() == 1


def test_another_persons_record_is_refused_and_changes_nothing(client, world):
    _staff(client, world)
    other = world.a.users[Role.DEPT_HEAD]
    response = client.post("/api/v1/offline/visits", _visit(world, other))
    assert response.status_code == 403
    assert "另一" in response.json()["error"]["message"] or "其他" in response.json()["error"]["message"]
    assert not Visit.objects.exists() and not ClientSubmission.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"on": _day(31)}, "on", "天"),
        ({"on": _day(-1)}, "on", "晚于今天"),
        ({"on": "3月5日"}, "on", "2026-03-05"),
        ({"diary": ""}, "diary", "民情日志"),
        ({"households": ""}, "households", "户"),
        ({"channel": "telepathy"}, "channel", "方式"),
        ({"items-0-kind": "wish"}, "items", "1"),
    ],
)
def test_a_bad_record_is_refused_with_its_reason_in_chinese_and_changes_nothing(
    client, world, change, field, words
):
    user = _staff(client, world)
    body = _visit(world, user, **change)
    response = client.post("/api/v1/offline/visits", body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"] and words in "".join(error["fields"][field])
    assert not Visit.objects.exists() and not ClientSubmission.objects.exists() and not Case.objects.exists()
    # Corrected, the same id goes through.
    assert (
        client.post("/api/v1/offline/visits", _visit(world, user, client_id=body["client_id"])).status_code
        == 201
    )


@override_settings(FIELDWORK_DATE_WINDOW_DAYS=3000)
def test_a_day_without_a_running_campaign_is_refused(client, world):
    user = _staff(client, world)
    response = client.post("/api/v1/offline/visits", _visit(world, user, on="2025-06-30"))
    assert response.status_code == 400 and "2025-06-30" in response.json()["error"]["fields"]["on"][0]


def test_the_window_is_a_setting(client, world, settings):
    user = _staff(client, world)
    settings.FIELDWORK_DATE_WINDOW_DAYS = 5
    assert client.post("/api/v1/offline/visits", _visit(world, user, on=_day(6))).status_code == 400
    assert client.post("/api/v1/offline/visits", _visit(world, user, on=_day(5))).status_code == 201
    assert client.get("/api/v1/offline/me").json()["window_days"] == 5


def test_a_household_gone_meanwhile_is_refused_by_name(client, world):
    user = _staff(client, world)
    world.a.farmer.active = False
    world.a.farmer.save(update_fields=["active"])
    response = client.post("/api/v1/offline/visits", _visit(world, user))
    assert response.status_code == 400 and "合并" in response.json()["error"]["fields"]["households"][0]
    assert not Visit.objects.exists()


def test_another_bureaus_household_is_refused(client, world):
    user = _staff(client, world)
    body = _visit(world, user, households=str(world.b.farmer.pk), **{"items-TOTAL_FORMS": "0"})
    assert client.post("/api/v1/offline/visits", body).status_code == 400
    assert not Visit.objects.exists()


def test_a_meeting_and_a_field_day_are_applied_once(client, world):
    user = _staff(client, world)
    meeting = {
        "client_id": str(uuid.uuid4()),
        "owner": str(user.pk),
        "kind": "village",
        "title": "大龙村烟农座谈会",
        "on": _day(),
        "place": "村委会",
        "minutes": "烟农反映了烘烤的问题",
        "other_attendees": "3",
        "households": str(world.a.farmer.pk),
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
    }
    assert client.post("/api/v1/offline/meetings", meeting).status_code == 201
    assert client.post("/api/v1/offline/meetings", meeting).status_code == 200
    assert Meeting.objects.count() == 1
    day = {"client_id": str(uuid.uuid4()), "owner": str(user.pk), "on": _day(4), "activity": "查看烟苗"}
    assert client.post("/api/v1/offline/field-days", day).status_code == 201
    assert client.post("/api/v1/offline/field-days", day).status_code == 200
    assert FieldDay.objects.filter(staff=user).count() == 1


@pytest.mark.parametrize("role", [Role.ADMIN, "anonymous"])
def test_who_may_not_record_cannot_upload(client, world, role):
    user = world.a.users[Role.STAFF]
    if role != "anonymous":
        client.force_login(world.a.users[role])
    response = client.post("/api/v1/offline/visits", _visit(world, user))
    assert response.status_code in (401, 403)
    assert not Visit.objects.exists()


def test_my_households_are_my_villages_and_whom_i_visited_masked(
    client, world, django_assert_max_num_queries
):
    user = _staff(client, world)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/offline/households").json()
    ids = {h["id"] for h in body["items"]}
    assert world.a.farmer.pk in ids and world.b.farmer.pk not in ids
    farmer = next(h for h in body["items"] if h["id"] == world.a.farmer.pk)
    assert world.a.farmer.phone not in str(body) and farmer["phone"].endswith(world.a.farmer.phone[-4:])
    assert "zl" in farmer["key"] and world.a.farmer.phone[-4:] in farmer["key"]
    visit_record(
        bureau=world.a.bureau, by=user, on=timezone.localdate(), diary="走访", households=[world.a.retailer]
    )
    body = client.get("/api/v1/offline/households").json()
    retailer = next(h for h in body["items"] if h["id"] == world.a.retailer.pk)
    number = world.a.retailer.licences.get().number
    assert number not in str(body) and retailer["licences"] == [number[:6] + "***" + number[-3:]]


def test_a_field_day_over_json_is_recorded_once_within_the_window(client, world):
    user = _staff(client, world)
    body = {
        "client_id": str(uuid.uuid4()),
        "on": _day(3),
        "activity": "到烟站查看收购",
        "village": world.a.village.pk,
    }
    first = client.post("/api/v1/field-days", body, content_type="application/json")
    assert first.status_code == 201, first.content
    assert client.post("/api/v1/field-days", body, content_type="application/json").json() == first.json()
    assert FieldDay.objects.get(staff=user).village == world.a.village
    late = {**body, "client_id": str(uuid.uuid4()), "on": _day(31)}
    response = client.post("/api/v1/field-days", late, content_type="application/json")
    assert response.status_code == 400 and "30" in response.json()["error"]["fields"]["on"][0]
    assert FieldDay.objects.count() == 1


def test_a_nul_character_in_an_upload_is_refused_and_changes_nothing(client, world):
    user = _staff(client, world)
    response = client.post("/api/v1/offline/visits", _visit(world, user, diary="走访\x00钟林"))
    assert response.status_code == 400 and "NUL" in response.json()["error"]["message"]
    assert not Visit.objects.exists() and not ClientSubmission.objects.exists()


def test_an_upload_without_a_valid_phone_id_is_refused(client, world):
    user = _staff(client, world)
    for bad in ("", "not-a-uuid", "1234"):
        response = client.post("/api/v1/offline/visits", _visit(world, user, client_id=bad))
        assert response.status_code == 400 and "client_id" in response.json()["error"]["fields"]
    assert not Visit.objects.exists()

"""Raising an item without an account: it becomes a case with a tracking code; bad input and floods
are refused with a clear message and store nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from sanwen.cases.models import Case, CasePhoto, Source, State
from sanwen.core.access import Role
from sanwen.core.models import AuditEvent, Notification, NotificationKind
from sanwen.portal.tests.conftest import item, jpeg_with_gps, raise_item


def stored(world):
    bureau = world.a.bureau
    return (
        Case.objects.filter(bureau=bureau).count(),
        CasePhoto.objects.count(),
        AuditEvent.objects.filter(bureau=bureau).count(),
        Notification.objects.count(),
    )


def test_an_item_raised_on_a_phone_becomes_a_case_with_a_tracking_code(client, world, today):
    case = raise_item(client, world, confidential="on")
    assert case.source == Source.PORTAL and case.state == State.REGISTERED
    assert (case.ask_kind, case.concern_kind) == ("need", "difficulty")
    assert (case.township, case.village) == (world.a.township, world.a.village)
    assert (case.contact_name, case.contact_phone, case.confidential) == ("王大春", "13877771234", True)
    assert case.raised_by is None and case.raised_on == today and case.deadline is not None
    assert re.fullmatch(r"[2-9A-HJ-NP-TV-Z]{10}", case.tracking_code)
    # The bureau's leaders hear of it; the registration is on the timeline and in the audit trail.
    notified = Notification.objects.filter(case=case, kind=NotificationKind.PORTAL_ITEM)
    assert set(notified.values_list("recipient", flat=True)) == {world.a.users[Role.LEADER].pk}
    assert case.events.filter(kind="registered").exists()
    assert AuditEvent.objects.filter(object_id=str(case.pk), action="create").exists()


def test_the_received_page_shows_the_code_for_reading_aloud(client, world, today):
    client.post("/p/451122/raise/", item(world))
    page = client.get("/p/received/").content.decode()
    assert "我们已收到您反映的事项" in page
    code = re.search(r'id="tracking-code">([^<]+)<', page).group(1)
    assert re.fullmatch(r"\w{5}-\w{5}", code)
    assert "请记下或截图保存" in page


def test_each_kind_maps_onto_the_ask_and_concern_kinds(client, world, today):
    expected = {
        "need": ("need", ""),
        "worry": ("need", "worry"),
        "grievance": ("opinion", "grievance"),
        "difficulty": ("need", "difficulty"),
        "suggestion": ("suggestion", ""),
        "opinion": ("opinion", ""),
    }
    for kind, kinds in expected.items():
        case = raise_item(client, world, kind=kind)
        assert (case.ask_kind, case.concern_kind) == kinds


def test_name_and_phone_are_optional(client, world, today):
    case = raise_item(client, world, name="", phone="", village="")
    assert (case.contact_name, case.contact_phone, case.village) == ("", "", None)


def test_a_photo_is_kept_re_encoded_without_its_metadata(client, world, today):
    photo = SimpleUploadedFile("roof.jpg", jpeg_with_gps(), content_type="image/jpeg")
    case = raise_item(client, world, photo=photo)
    stored_photo = case.photos.get()
    with Image.open(stored_photo.image.path) as image:
        assert image.format == "JPEG" and not image.getexif()


def test_a_visit_card_sends_the_item_to_its_holder(client, world, today):
    staff = world.a.users[Role.STAFF]
    response = client.get(f"/p/card/{staff.card_code}/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "联系卡" in page and staff.name in page
    case = raise_item(client, world, via=staff.card_code)
    assert case.via_card_of == staff and case.department == staff.department
    recipients = set(Notification.objects.filter(case=case).values_list("recipient", flat=True))
    assert recipients == {staff.pk, world.a.users[Role.DEPT_HEAD].pk}


def test_a_card_of_another_bureau_does_not_carry_over(client, world, today):
    case = raise_item(client, world, via=world.b.users[Role.STAFF].card_code)
    assert case.via_card_of is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": ""}, "请选择"),
        ({"kind": "praise"}, "请选择"),
        ({"text": "漏雨"}, "至少5个字"),
        ({"text": "很" * 1001}, "1000"),
        ({"township": ""}, "请选择乡镇"),
        ({"township": "999999"}, "选择"),
        ({"phone": "12345"}, "手机号"),
        ({"name": "王" * 40}, "32"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_stores_nothing(client, world, today, overrides, message):
    before = stored(world)
    response = client.post("/p/451122/raise/", item(world, **overrides))
    assert response.status_code == 400
    page = response.content.decode()
    assert "还没有保存任何内容" in page and message in page, page
    assert stored(world) == before


def test_a_village_of_another_township_is_refused(client, world, today):
    other = world.places["451122100"]  # 钟山镇, not 公安镇
    before = stored(world)
    response = client.post("/p/451122/raise/", item(world, township=other.pk))
    assert response.status_code == 400 and "不在您选择的乡镇" in response.content.decode()
    assert stored(world) == before


def test_a_village_of_another_county_is_refused(client, world, today):
    before = stored(world)
    response = client.post("/p/451122/raise/", item(world, village=world.b.village.pk))
    assert response.status_code == 400
    assert stored(world) == before


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"%PDF-1.4 not a photo", "scan.pdf"), (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg")],
)
def test_a_file_that_is_not_a_photo_is_refused(client, world, today, content, name):
    before = stored(world)
    response = client.post("/p/451122/raise/", item(world, photo=SimpleUploadedFile(name, content)))
    assert response.status_code == 400 and "不是照片" in response.content.decode()
    assert stored(world) == before


def test_an_oversized_upload_is_refused_before_it_is_read(client, world, today):
    before = stored(world)
    big = SimpleUploadedFile("big.jpg", b"\xff" * (12 * 1024 * 1024), content_type="image/jpeg")
    response = client.post("/p/451122/raise/", item(world, photo=big))
    assert response.status_code == 413 and "最大10 MB" in response.content.decode()
    assert stored(world) == before


def test_the_honeypot_catches_robots(client, world, today):
    before = stored(world)
    response = client.post("/p/451122/raise/", item(world, website="http://spam.example"))
    assert response.status_code == 400
    assert "自动填写" in response.content.decode()
    assert stored(world) == before


def test_an_address_that_floods_is_stopped_and_others_are_not(client, world, today, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "raise": [(3, 3600), (20, 86400)]}
    for _ in range(3):
        raise_item(client, world)
    before = stored(world)
    response = client.post("/p/451122/raise/", item(world))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "提交次数过多" in response.content.decode()
    assert stored(world) == before
    neighbour = Client(REMOTE_ADDR="10.1.2.3")
    assert neighbour.post("/p/451122/raise/", item(world)).status_code == 302


def test_an_ipv6_household_counts_as_one_address(client, world, today, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "raise": [(1, 3600)]}
    assert Client(REMOTE_ADDR="2408:8000:1:2::10").post("/p/451122/raise/", item(world)).status_code == 302
    assert Client(REMOTE_ADDR="2408:8000:1:2::99").post("/p/451122/raise/", item(world)).status_code == 429


def test_a_form_without_its_security_token_is_refused_in_chinese(world, today):
    before = stored(world)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/p/451122/raise/", item(world))
    assert response.status_code == 403
    assert "没有保存任何内容" in response.content.decode()
    assert "Content-Security-Policy" in response
    assert stored(world) == before


def test_no_campaign_no_form(client, world, today):
    world.a.campaign.active = False
    world.a.campaign.save()
    page = client.get("/p/451122/raise/").content.decode()
    assert "请致电" in page and "raise-form" not in page
    before = stored(world)
    client.post("/p/451122/raise/", item(world))
    assert stored(world) == before


def test_an_item_through_a_card_counts_as_the_holders_contact(client, world, today):
    from sanwen.accountability.evidence import assessment_evidence
    from sanwen.reports.stats import Filters, figures

    staff = world.a.users[Role.STAFF]
    raise_item(client, world, via=staff.card_code)
    mine = figures(Filters(bureau_ids=[world.a.bureau.pk], start=today, end=today, staff=staff))
    assert mine["cases"] == 1
    assert assessment_evidence(staff, today.year, today=today)["cases"]["card_items"] == 1

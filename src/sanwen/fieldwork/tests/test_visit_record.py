import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sanwen.campaigns.models import HandlingMode, Vehicle, VisitRole
from sanwen.cases.models import Case, Source, State
from sanwen.core.access import Role
from sanwen.core.models import AuditEvent
from sanwen.fieldwork.models import FieldDay, Visit, VisitHousehold, VisitPhoto

D = datetime.date


def test_each_household_is_one_visit_and_each_staff_member_gets_a_field_day(world, visit):
    a = world.a
    v = visit(
        households=[a.farmer, a.retailer],
        staff=[a.users[Role.STAFF], a.users[Role.DEPT_HEAD]],
        vehicles=Vehicle.objects.filter(campaign=a.campaign)[:2],
        roles=VisitRole.objects.filter(campaign=a.campaign)[:1],
        latitude="24.52",
        longitude="111.30",
        accuracy=12,
    )
    assert VisitHousehold.objects.filter(visit=v).count() == 2
    assert set(FieldDay.objects.filter(on=v.on).values_list("staff_id", flat=True)) == {
        a.users[Role.STAFF].pk,
        a.users[Role.DEPT_HEAD].pk,
    }
    assert v.village == a.village and v.vehicles.count() == 2 and v.roles.count() == 1
    assert str(v.latitude) == "24.520000" and v.accuracy == 12
    assert AuditEvent.objects.filter(object_type="fieldwork.visit", object_id=str(v.pk)).exists()


def test_a_phone_visit_counts_households_but_no_field_day(world, visit):
    v = visit(channel="phone")
    assert VisitHousehold.objects.filter(visit=v).count() == 1
    assert not FieldDay.objects.exists()


def test_items_raised_become_cases_and_suggestions_in_the_same_submit(world, visit):
    a = world.a
    on_site = HandlingMode.objects.get(campaign=a.campaign, code="on_site")
    v = visit(
        households=[a.farmer, a.retailer],
        items=[
            {"kind": "difficulty", "text": "烤房漏风，烘烤温度不稳", "household": a.farmer, "mode": on_site},
            {"kind": "suggestion", "text": "建议在村里设临时收购点", "household": a.farmer},
            {
                "kind": "need",
                "text": "想了解陈列要求",
                "household": a.retailer,
                "resolved": "现场讲解了陈列要求",
            },
        ],
    )
    cases = list(Case.objects.filter(visit=v).order_by("id"))
    assert [c.source for c in cases] == [Source.VISIT] * 3
    assert (cases[0].ask_kind, cases[0].concern_kind, cases[0].mode.code) == ("need", "difficulty", "on_site")
    assert cases[1].ask_kind == "suggestion" and cases[1].household == a.farmer
    assert cases[2].state == State.RESOLVED and cases[2].resolved_on_the_spot
    assert all(c.raised_on == v.on for c in cases)


def test_a_bad_item_stores_nothing_at_all(world, visit):
    a = world.a
    with pytest.raises(ValidationError) as exc:
        visit(items=[{"kind": "need", "text": "x", "household": a.retailer}])  # not among those visited
    assert "items" in exc.value.message_dict
    assert not Visit.objects.exists() and not Case.objects.exists() and not FieldDay.objects.exists()


@pytest.mark.parametrize(
    "override, field",
    [
        ({"households": []}, "households"),
        ({"diary": "  "}, "diary"),
        ({"on": D(2099, 1, 1)}, "on"),
        ({"on": D(2025, 6, 30)}, "on"),  # before the campaign
        ({"channel": "carrier pigeon"}, "channel"),
        ({"latitude": "91", "longitude": "111"}, "location"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(world, visit, override, field):
    with pytest.raises(ValidationError) as exc:
        visit(**override)
    assert field in exc.value.message_dict
    assert not Visit.objects.exists() and not FieldDay.objects.exists()


def test_another_bureaus_household_or_staff_is_refused(world, visit):
    with pytest.raises(ValidationError):
        visit(households=[world.b.farmer])
    with pytest.raises(ValidationError):
        visit(staff=[world.a.users[Role.STAFF], world.b.users[Role.STAFF]])
    assert not Visit.objects.exists()


def test_an_administrator_cannot_record_visits_and_an_inspector_cannot_raise_cases(world, visit):
    from django.core.exceptions import PermissionDenied

    a = world.a
    with pytest.raises(PermissionDenied):
        visit(by=a.users[Role.ADMIN], staff=[a.users[Role.ADMIN]])
    inspector = a.users[Role.INSPECTOR]
    with pytest.raises(ValidationError) as exc:
        visit(
            by=inspector, staff=[inspector], items=[{"kind": "need", "text": "要求", "household": a.farmer}]
        )
    assert "items" in exc.value.message_dict and not Visit.objects.exists()
    assert visit(by=inspector, staff=[inspector]).staff.get() == inspector


def test_photos_are_reencoded_without_their_metadata(world, visit, jpeg_with_gps):
    upload = jpeg_with_gps()
    assert Image.open(io.BytesIO(upload.read())).getexif()  # the original carries EXIF
    upload.seek(0)
    v = visit(photos=[upload])
    (photo,) = VisitPhoto.objects.filter(visit=v)
    with photo.image.open("rb") as handle:
        stored = Image.open(handle)
        stored.load()
    assert stored.format == "JPEG" and stored.size == (640, 480)
    assert not stored.getexif()
    assert "IMG_0001" not in photo.image.name


def test_large_photos_are_scaled_down(world, visit, jpeg_with_gps):
    v = visit(photos=[jpeg_with_gps(size=(4000, 3000))])
    photo = VisitPhoto.objects.get(visit=v)
    assert max(photo.width, photo.height) == 2560


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("notes.jpg", b"this is not an image", content_type="image/jpeg"),
        SimpleUploadedFile("big.jpg", b"\xff" * (10 * 1024 * 1024 + 1), content_type="image/jpeg"),
        SimpleUploadedFile(
            "x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml"
        ),
    ],
    ids=["not-an-image", "over-10-MB", "svg"],
)
def test_what_is_not_a_photo_is_refused_and_nothing_is_stored(world, visit, upload, tmp_path):
    with pytest.raises(ValidationError) as exc:
        visit(photos=[upload])
    assert "photos" in exc.value.message_dict
    assert not Visit.objects.exists()
    assert not any(tmp_path.rglob("*.jpg"))

import datetime

import pytest

from sanwen.core.access import Role
from sanwen.fieldwork.services import visit_record


@pytest.fixture
def visit(world):
    """Record a visit in bureau a (the staff member, the farmer, a day in March 2026) with overrides."""

    def make(**kwargs):
        a = world.a
        defaults = {
            "bureau": a.bureau,
            "by": a.users[Role.STAFF],
            "on": datetime.date(2026, 3, 2),
            "diary": "烟苗长势良好，烟农担心雨水多",
            "households": [a.farmer],
        }
        defaults.update(kwargs)
        return visit_record(**defaults)

    return make


@pytest.fixture
def jpeg_with_gps():
    """A JPEG carrying EXIF (camera make and a GPS block), as phones write them."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    def make(name="IMG_0001.jpg", size=(640, 480)):
        image = Image.new("RGB", size, (200, 30, 30))
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "Model X"  # Model
        exif[0x8825] = {1: "N", 2: (24.0, 31.0, 12.0), 3: "E", 4: (111.0, 18.0, 5.0)}  # GPSInfo
        out = io.BytesIO()
        image.save(out, format="JPEG", exif=exif)
        return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")

    return make

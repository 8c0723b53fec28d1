import datetime
import io
import re

import pytest
from PIL import Image

from sanwen.cases.models import Case


@pytest.fixture
def today(monkeypatch):
    """A fixed working day within the world's campaign."""
    day = datetime.date(2026, 3, 2)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


def item(world, **overrides):
    data = {
        "kind": "difficulty",
        "text": "仁里村烤房漏雨，烟叶快要烤了，希望帮忙联系维修",
        "township": world.a.township.pk,
        "village": world.a.village.pk,
        "name": "王大春",
        "phone": "13877771234",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def raise_item(client, world, **overrides) -> Case:
    """Raise an item on bureau a's portal and return its case (the code is read from the page)."""
    response = client.post("/p/451122/raise/", item(world, **overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get("/p/received/").content.decode()
    shown = re.search(r'id="tracking-code">([^<]+)<', page).group(1)
    return Case.objects.get(tracking_code=shown.replace("-", ""))


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (120, 160, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (22.0, 30.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _roomy_limits(settings):
    """Tests raise many items from one address; those about limits set their own."""
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "raise": [(1000, 3600)]}

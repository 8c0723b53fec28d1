"""Public input within limits (issue 13, item 7): text has a maximum length, a photo with too many
pixels is refused as such, and a refused submission does not count against the sender's limit."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanwen.cases.models import Case
from sanwen.core.models import RateCounter
from sanwen.portal.tests.conftest import item, raise_item
from sanwen.portal.tests.test_portal_track import resolved


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels in a few dozen bytes: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height"),
    [(8000, 7000), (20000, 20000), (60000, 60000)],  # ours (50 M), and far past Pillow's own limit
)
def test_a_photo_with_too_many_pixels_is_refused_as_such(client, world, today, width, height):
    photo = SimpleUploadedFile("bomb.png", png_header_only(width, height), content_type="image/png")
    response = client.post("/p/451122/raise/", item(world, photo=photo))
    page = response.content.decode()
    assert response.status_code == 400
    assert "像素过多" in page and "不是照片" not in page
    assert not Case.objects.filter(bureau=world.a.bureau).exists()


def test_text_longer_than_the_limit_is_refused_with_its_length(client, world, today, settings):
    settings.PORTAL_TEXT_MAX = 50
    response = client.post("/p/451122/raise/", item(world, text="烤房漏雨" * 20))
    page = response.content.decode()
    assert response.status_code == 400
    assert "请控制在50字以内（现在80字）" in page
    assert 'maxlength="50"' in page
    assert not Case.objects.filter(bureau=world.a.bureau).exists()


def test_a_refused_item_does_not_count_against_the_limit(client, world, today, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "raise": [(1, 3600)]}
    bomb = SimpleUploadedFile("bomb.png", png_header_only(20000, 20000), content_type="image/png")
    for refused in (
        item(world, text="短"),  # refused by the form
        item(world, photo=bomb),  # refused by the service (the photo)
        item(world, text="烤房" * 2000),
    ):
        assert client.post("/p/451122/raise/", refused).status_code == 400
    assert sum(RateCounter.objects.values_list("hits", flat=True)) == 0
    raise_item(client, world)  # the one allowed attempt is still there
    assert client.post("/p/451122/raise/", item(world)).status_code == 429


def test_a_refused_rating_does_not_count_but_a_guessed_code_does(client, world, today, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "rate": [(1, 3600)]}
    case = resolved(client, world, today)
    RateCounter.objects.all().delete()
    refused = client.post("/p/track/rate/", {"code": case.tracking_code, "satisfaction": "7"})
    assert refused.status_code == 400
    long_comment = client.post(
        "/p/track/rate/", {"code": case.tracking_code, "satisfaction": "satisfied", "comment": "好" * 5000}
    )
    assert long_comment.status_code == 400 and "请控制在1000字以内" in long_comment.content.decode()
    assert sum(RateCounter.objects.filter(scope__startswith="rate").values_list("hits", flat=True)) == 0
    assert (
        client.post("/p/track/rate/", {"code": case.tracking_code, "satisfaction": "satisfied"}).status_code
        == 302
    )
    assert (
        client.post("/p/track/rate/", {"code": "2222222222", "satisfaction": "satisfied"}).status_code == 429
    )

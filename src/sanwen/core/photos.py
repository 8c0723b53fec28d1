"""Photos from a phone: images only, at most 10 MB, re-encoded as JPEG so that no metadata (location,
camera, owner) and nothing but pixels survives."""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # refuse decompression bombs well before Pillow's own limit
MAX_SIDE = 2560
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}


def clean_photo(upload, *, max_bytes: int = MAX_BYTES) -> ContentFile:
    """The upload re-encoded as a JPEG without metadata, or a ValidationError saying what is wrong."""
    name = getattr(upload, "name", "") or "photo"
    if upload.size > max_bytes:
        raise ValidationError(
            _("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": max_bytes // (1024 * 1024)}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(_("%(name)s is not a photo (JPEG, PNG or WebP).") % {"name": name})
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("%(name)s has too many pixels.") % {"name": name})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)  # keep the picture upright once EXIF is gone
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own limit, met before ours when far above
        raise ValidationError(_("%(name)s has too many pixels.") % {"name": name}) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("%(name)s is not a photo (JPEG, PNG or WebP).") % {"name": name}) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")

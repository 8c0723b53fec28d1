"""Cursor pagination: keyset on the primary key (newest first), the cursor an opaque token."""

import base64
import binascii

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError

# Query values never hold a NUL character (the server refuses it before the API sees it).
NO_NUL = r"^[^\x00]*$"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode(pk: int) -> str:
    return base64.urlsafe_b64encode(f"k{pk}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("k") or not text[1:].isdigit() or len(text) > 20:
            raise ValueError
        return int(text[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise HttpError(400, _("The cursor is not valid.")) from exc


class PageParams(Schema):
    cursor: str | None = Field(None, pattern=NO_NUL, max_length=40)
    limit: int = DEFAULT_LIMIT


def page(qs, params: PageParams) -> dict:
    """{"items": rows, "next": cursor or None}: `limit` rows (1–200) after the cursor, by id descending."""
    limit = max(1, min(params.limit, MAX_LIMIT))
    qs = qs.order_by("-pk")
    if params.cursor:
        qs = qs.filter(pk__lt=decode(params.cursor))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next": encode(rows[-1].pk) if more and rows else None}

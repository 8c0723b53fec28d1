"""Ids and dates read straight from a query string (filters, periods, pages): parsed in one place, so
that a hostile value (99999999999999999999, 9999-12-31, NaN, "²", a NUL byte) is answered with a 400
and a message in the user's language (`BadParameter`, shown by `sanwen.core.views.bad_request`)
instead of a server error further down, in a database driver or in date arithmetic."""

import datetime
import re

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

# Ids are positive and fit a 64-bit integer (what SQLite and PostgreSQL's bigint hold; PostgreSQL
# compares its integer columns with such a value without complaint).
MAX_ID = 2**63 - 1
# The calendar the platform reasons about: a period outside it is a typing error, and dates far out
# overflow when days are added to them.
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)
_ID = re.compile(r"[0-9]{1,19}")  # ASCII digits only: str.isdigit() also accepts "²" and "١"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadParameter(BadRequest):
    """A query parameter the page cannot use; its message says which and how to write it."""


def parse_id(text) -> int | None:
    """The id written in text, or None when it is not one (empty, not ASCII digits, out of range)."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def query_id(params, name: str) -> int | None:
    """The id in params[name] (request.GET or request.POST); None when the parameter is absent or
    empty; BadParameter when it is anything but an id."""
    text = params.get(name)
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    value = parse_id(text)
    if value is None:
        raise BadParameter(
            _("The parameter “%(name)s” must be a record number (a positive whole number).") % {"name": name}
        )
    return value


def query_ids(params, name: str) -> list[int]:
    """Every id of a repeated parameter (?staff=1&staff=2); empty values are skipped."""
    values = []
    for text in params.getlist(name):
        if text is None or not str(text).strip():
            continue
        value = parse_id(text)
        if value is None:
            raise BadParameter(
                _("The parameter “%(name)s” must be a record number (a positive whole number).")
                % {"name": name}
            )
        values.append(value)
    return values


def as_date(value) -> datetime.date:
    """A date as the database gave it back: a date, or (SQLite, from raw SQL) its ISO text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def parse_date(text) -> datetime.date | None:
    """The date written as 2026-03-05 in text, or None when it is not one or lies outside
    FIRST_DAY … LAST_DAY."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if not _DATE.fullmatch(text):
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def query_date(params, name: str, default: datetime.date | None = None) -> datetime.date | None:
    """The date in params[name]; `default` when absent or empty; BadParameter when it is not a real
    date written as 2026-03-05 between 1900 and 2099."""
    text = params.get(name)
    if text is None or (isinstance(text, str) and not text.strip()):
        return default
    day = parse_date(text)
    if day is None:
        raise BadParameter(
            _(
                "The parameter “%(name)s” must be a real date between %(first)s and %(last)s, "
                "written as 2026-03-05."
            )
            % {"name": name, "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )
    return day

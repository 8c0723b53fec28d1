"""Licence rules of the tobacco monopoly licence regulations (烟草专卖许可证管理办法)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sanwen.core.text import digits

MAX_TERM_YEARS = 5
RENEWAL_LEAD_DAYS = 30
KIND_DIGITS = {"1": "individual business", "2": "enterprise or other"}


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def latest_valid_to(valid_from: datetime.date) -> datetime.date:
    """A term of at most five years: from 2024-03-05 the latest end is 2029-03-04."""
    return add_years(valid_from, MAX_TERM_YEARS) - datetime.timedelta(days=1)


def clean_licence_number(value, *, area_code: str) -> str:
    """12 digits: the issuing county's 6-digit code (within the bureau's area), the kind digit
    (1 individual business, 2 enterprise or other) and a 5-digit sequence."""
    number = digits(value)
    if not number.isdigit() or len(number) != 12:
        raise ValidationError(_("A licence number is 12 digits, e.g. 451122100123."), code="licence_format")
    if not number[:6].startswith(area_code[:6]):
        raise ValidationError(
            _("The licence number must start with the issuing county's code (%(code)s…).")
            % {"code": area_code},
            code="licence_county",
        )
    if number[6] not in KIND_DIGITS:
        raise ValidationError(
            _("The 7th digit of a licence number is 1 (individual business) or 2 (enterprise or other)."),
            code="licence_kind",
        )
    return number


def clean_term(valid_from: datetime.date, valid_to: datetime.date) -> None:
    if valid_to <= valid_from:
        raise ValidationError(_("The licence must end after it starts."), code="term_order")
    if valid_to > latest_valid_to(valid_from):
        raise ValidationError(
            _(
                "A licence is valid for at most %(n)d years: from %(start)s it can run to %(end)s at the latest."
            )
            % {"n": MAX_TERM_YEARS, "start": valid_from, "end": latest_valid_to(valid_from)},
            code="term_length",
        )


def renewal_deadline(valid_to: datetime.date) -> datetime.date:
    """The last day a renewal (延续) may be applied for."""
    return valid_to - datetime.timedelta(days=RENEWAL_LEAD_DAYS)

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
    """A term of at most five years: from 2024-03-05 the latest end is 2029-03-04. Five years from
    29 February run to the day before 1 March (there is no 29 February then): 28 February."""
    try:
        anniversary = valid_from.replace(year=valid_from.year + MAX_TERM_YEARS)
    except ValueError:  # 29 February
        anniversary = datetime.date(valid_from.year + MAX_TERM_YEARS, 3, 1)
    return anniversary - datetime.timedelta(days=1)


def county_code_of(*places) -> str:
    """The 6-digit county code of the first place given with a township or village code."""
    for place in places:
        code = getattr(place, "code", "") or ""
        if len(code) >= 9:
            return code[:6]
    return ""


def clean_licence_number(value, *, area_code: str, county_code: str = "") -> str:
    """12 digits: the issuing county's 6-digit code, the kind digit (1 individual business, 2
    enterprise or other) and a 5-digit sequence. The county is the one the household is in
    (`county_code`, from its township) and lies in the bureau's area; without the household's place,
    a county bureau's own code (a city or province bureau then only knows the area's prefix)."""
    number = digits(value)
    if not number.isdigit() or len(number) != 12:
        raise ValidationError(_("A licence number is 12 digits, e.g. 451122100123."), code="licence_format")
    if len(area_code) >= 6:
        county_code = county_code or area_code[:6]
    if county_code and number[:6] != county_code:
        raise ValidationError(
            _("The licence number must start with the code of the county the household is in (%(code)s).")
            % {"code": county_code},
            code="licence_county",
        )
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

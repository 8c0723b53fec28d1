"""Chinese text: search keys that match across traditional/simplified and full/half-width forms,
pinyin initials, masking of personal numbers and validation of identifiers."""

import datetime
import re
import unicodedata
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from opencc import OpenCC
from pypinyin import Style, lazy_pinyin
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

_t2s = OpenCC("t2s")
_SPACES = re.compile(r"\s+")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def fold(text: str | None) -> str:
    """Canonical form for comparison: NFKC (full-width → half-width), simplified characters,
    lower case, no spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _to_simplified(text)
    return _SPACES.sub("", text).lower()


@lru_cache(maxsize=4096)
def _to_simplified(text: str) -> str:
    return _t2s.convert(text)


# Full-width digits and Latin letters become ASCII; Chinese punctuation (，。：) stays as written.
_NARROW = {
    code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
}


def clean_spaces(text: str | None) -> str:
    """Trim, collapse inner white space (the ideographic space included) and narrow full-width
    digits and letters, for names, addresses and titles."""
    if text is None:
        return ""
    return _SPACES.sub(" ", str(text).translate(_NARROW)).strip()


def digits(text: str | None) -> str:
    """Full-width digits become ASCII; spaces and dashes are dropped."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", str(text or "")))


def initials(text: str | None) -> str:
    """Pinyin initials of the Chinese characters in text: 钟林 → zl."""
    folded = fold(text)
    if not folded:
        return ""
    return "".join(p[:1] for p in lazy_pinyin(folded, style=Style.FIRST_LETTER, errors="ignore")).lower()


def search_key(*parts: str | None, names: tuple[str | None, ...] = ()) -> str:
    """One string a `contains` lookup can search: folded parts, plus pinyin initials of names."""
    tokens = [fold(p) for p in parts if p]
    tokens += [initials(n) for n in names if n]
    return " ".join(t for t in tokens if t)


# --- masking ------------------------------------------------------------------------------


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


# A mobile number as people write it in free text: 13812345678, 138 1234 5678, 138-1234-5678,
# +86 138 1234 5678, 008613812345678, full-width digits and dashes, the ideographic space. Between any
# two digits there may be up to three separators; no digit right before or after it.
_DIGIT = "[0-9\uff10-\uff19]"
_GAP = "[\\s\\-\u2010-\u2015\u2212\uff0d.\uff0e\u00b7/]{0,3}"
_COUNTRY = f"(?:(?:(?:[+\uff0b]|00|\uff10\uff10){_GAP})?[8\uff18][6\uff16]{_GAP}(?:[(\uff08][0\uff10][)\uff09]{_GAP})?)?"
MOBILE_IN_TEXT_RE = re.compile(
    f"(?<![0-9\uff10-\uff19+\uff0b])"
    f"{_COUNTRY}[1\uff11]{_GAP}[3-9\uff13-\uff19](?:{_GAP}{_DIGIT}){{9}}"
    f"(?!{_DIGIT})"
)


def mask_phones_in(text: str | None) -> str:
    """Every mobile number in free text masked like a plain one (138****5678), however it is
    written (see MOBILE_IN_TEXT_RE); the country code, if any, goes with it."""
    if not text:
        return ""
    return MOBILE_IN_TEXT_RE.sub(lambda m: mask_phone(digits_only(m.group(0))[-11:]), text)


def digits_only(text: str) -> str:
    """The ASCII digits of text, full-width ones narrowed, everything else dropped."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch in "0123456789")


def mask_id(number: str | None) -> str:
    """Resident ID or credit code: 451122********1234."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}"


def mask_licence(number: str | None) -> str:
    """Licence number: the issuing county stays readable, the sequence does not: 451122***123."""
    if not number:
        return ""
    if len(number) <= 9:
        return "*" * len(number)
    return f"{number[:6]}{'*' * (len(number) - 9)}{number[-3:]}"


def mask_name(name: str | None) -> str:
    """张三丰 → 张*丰, 张三 → 张*."""
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


# --- validation ---------------------------------------------------------------------------


def validate_mobile(value: str) -> str:
    value = digits(value)
    if not MOBILE_RE.match(value):
        raise ValidationError(
            _("A mobile number is 11 digits starting with 13–19, e.g. 13812341234."), code="mobile"
        )
    return value


def validate_resident_id(value: str) -> str:
    """GB 11643: 17 digits and a check character, a real birth date and a known area code.

    python-stdnum's own validate() also demands that the area code was in force in the birth
    year, which rejects real numbers issued after a county was renumbered (钟山县 was 452427 until
    2002, 451122 since), so it is not used."""
    value = digits(value).upper()
    message = _("This resident ID number is not valid (18 characters with a correct check digit).")
    if len(value) != 18 or not value[:17].isdigit():
        raise ValidationError(message, code="ric")
    if value[-1] != ric.calc_check_digit(value):
        raise ValidationError(message, code="ric")
    try:
        born = ric.get_birth_date(value)
    except StdnumError as exc:
        raise ValidationError(
            _("The birth date inside this resident ID number is not a real date."), code="ric_date"
        ) from exc
    if born.year < 1900 or born > datetime.date.today():
        raise ValidationError(
            _("The birth date inside this resident ID number is not a real date."), code="ric_date"
        )
    if not _known_area(value[:6]):
        raise ValidationError(
            _("The first six digits of this resident ID number are not a known area code."), code="ric_area"
        )
    return value


@lru_cache(maxsize=4096)
def _known_area(code: str) -> bool:
    from stdnum import numdb

    info = {k for _part, props in numdb.get("cn/loc").info(code) for k in props}
    return "county" in info


def validate_credit_code(value: str) -> str:
    value = digits(value).upper()
    try:
        return uscc.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("This unified social credit code is not valid (18 characters with a correct check character)."),
            code="uscc",
        ) from exc


def clean_contact(name: str, phone: str, errors: dict) -> tuple[str, str]:
    """A person's optional name and mobile number as given on a public form: spaces tidied, the
    phone checked; problems go into `errors` under "name" and "phone"."""
    name = clean_spaces(name)
    if len(name) > 32:
        errors["name"] = [_("A name is at most 32 characters.")]
    if phone:
        try:
            phone = validate_mobile(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    return name, phone

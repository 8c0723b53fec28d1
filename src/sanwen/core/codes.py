"""Tracking codes handed to the public (查询码): unguessable, short, easy to read aloud over the phone.

The alphabet has 31 symbols: the digits 2–9 and the capital letters without I, O and U, so nothing
looks like 0/O, 1/I/L or V/U. Nine random symbols carry 9 × log2(31) ≈ 44.6 bits; a tenth is a check
symbol, the sum of each symbol's value weighted by its position, modulo 31. Because 31 is prime and
every weight is distinct and non-zero modulo 31, the check catches every single mistyped symbol and
every swap of two symbols, adjacent or not.

Codes are shown in two groups of five (``K7M3P-2XQ9A``); input is read forgivingly: lower case,
full-width forms, spaces and dashes are all accepted."""

import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTVWXYZ"
BASE = len(ALPHABET)  # 31, a prime
BODY = 9
LENGTH = BODY + 1
VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
BITS = BODY * 4.954  # log2(31) per symbol, for the record: ≈ 44.6 bits


def check_symbol(body: str) -> str:
    total = sum((position + 1) * VALUE[symbol] for position, symbol in enumerate(body))
    return ALPHABET[total % BASE]


def new_code(body_length: int = BODY) -> str:
    """A fresh random code (without dashes): `body_length` random symbols and the check symbol."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(body_length))
    return body + check_symbol(body)


CARD_BODY = 6  # a staff member's visit-card reference: not a secret, just not a counter


def new_card_code() -> str:
    return new_code(CARD_BODY)


def normalise(text: str) -> str:
    """What the person typed, reduced to the code's symbols: NFKC (full-width to ASCII), upper case,
    without spaces, dashes and dots."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_.·—")


class CodeError(ValueError):
    """Why a typed code cannot be a tracking code (the message is a reason code, see `reason`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse(text: str, length: int = LENGTH) -> str:
    """The canonical code, or CodeError("length" | "symbol" | "check")."""
    code = normalise(text)
    if len(code) != length:
        raise CodeError("length")
    if any(symbol not in VALUE for symbol in code):
        raise CodeError("symbol")
    if check_symbol(code[:-1]) != code[-1]:
        raise CodeError("check")
    return code


def is_valid(text: str, length: int = LENGTH) -> bool:
    try:
        parse(text, length)
    except CodeError:
        return False
    return True


def display(code: str) -> str:
    """For reading aloud and printing: two groups of five."""
    return f"{code[:5]}-{code[5:]}" if code and len(code) == LENGTH else code or ""

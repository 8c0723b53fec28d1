import math
import random

import pytest

from sanwen.core import codes


def test_a_code_carries_at_least_40_random_bits_in_ten_easy_symbols():
    assert codes.BODY * math.log2(codes.BASE) >= 40
    assert codes.LENGTH == 10
    for look_alike in "01IOU":
        assert look_alike not in codes.ALPHABET
    code = codes.new_code()
    assert len(code) == 10 and codes.parse(code) == code


def test_codes_do_not_repeat():
    made = {codes.new_code() for _ in range(20_000)}
    assert len(made) == 20_000


def test_every_single_mistyped_symbol_is_caught():
    rng = random.Random(5)
    for _ in range(30):
        code = codes.new_code()
        for position in range(codes.LENGTH):
            for symbol in codes.ALPHABET:
                if symbol == code[position]:
                    continue
                typo = code[:position] + symbol + code[position + 1 :]
                assert not codes.is_valid(typo), (code, typo)
        assert rng  # deterministic loop count, random codes


def test_every_swap_of_two_symbols_is_caught():
    for _ in range(200):
        code = codes.new_code()
        for i in range(codes.LENGTH):
            for j in range(i + 1, codes.LENGTH):
                if code[i] == code[j]:
                    continue
                swapped = list(code)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                assert not codes.is_valid("".join(swapped)), (code, i, j)


def test_input_is_read_forgivingly():
    code = codes.new_code()
    shown = codes.display(code)
    assert shown == f"{code[:5]}-{code[5:]}"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    for typed in (shown, shown.lower(), f" {code[:3]} {code[3:6]} {code[6:]} ", full_width):
        assert codes.parse(typed) == code


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("ABC", "length"), ("ABCDEFGHJK1", "length"), ("0BCDEFGHJK", "symbol"), ("ABCDEFGHJI", "symbol")],
)
def test_it_says_what_is_wrong_with_a_typed_code(typed, reason):
    with pytest.raises(codes.CodeError) as raised:
        codes.parse(typed)
    assert raised.value.reason == reason


def test_a_wrong_check_symbol_is_reported_as_such():
    code = codes.new_code()
    wrong = code[:-1] + next(s for s in codes.ALPHABET if s != code[-1])
    with pytest.raises(codes.CodeError) as raised:
        codes.parse(wrong)
    assert raised.value.reason == "check"


def test_card_codes_are_seven_symbols_with_their_own_check():
    card = codes.new_card_code()
    assert len(card) == 7 and codes.parse(card, 7) == card
    assert not codes.is_valid(card)  # not a tracking code

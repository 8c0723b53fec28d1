import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sanwen.core.text import (
    fold,
    initials,
    mask_id,
    mask_licence,
    mask_name,
    mask_phone,
    search_key,
    validate_credit_code,
    validate_mobile,
    validate_resident_id,
)
from sanwen.testing import valid_id


def test_fold_treats_traditional_and_full_width_forms_as_the_same():
    assert fold("農戶 張三豐") == fold("农户张三丰")
    assert fold("１３８１２３４") == "1381234"
    assert fold("ＡＢＣ") == "abc"


def test_initials_are_the_pinyin_first_letters():
    assert initials("钟林") == "zl"
    assert initials("鍾林") == "zl"
    assert initials("张三丰") == "zsf"


def test_search_key_finds_name_initials_and_numbers():
    key = search_key("張三豐", "13812341234", "451122100123", names=("張三豐",))
    for query in ("张三丰", "三豐", "zsf", "1234", "451122100123"):
        assert fold(query) in key


@pytest.mark.parametrize(
    ("value", "masked"),
    [("13812341234", "138****1234"), ("", ""), ("12345", "*****")],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


def test_mask_id_keeps_the_area_and_the_last_four():
    assert mask_id("451122198001011234") == "451122********1234"


def test_mask_licence_keeps_the_county():
    assert mask_licence("451122100123") == "451122***123"


def test_mask_name():
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"


@given(st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_masking_keeps_the_length_and_hides_the_middle(number):
    for masked in (mask_phone(number), mask_id(number), mask_licence(number)):
        assert len(masked) == len(number)
        assert masked[6:-4].strip("*") == ""


def test_mobile_numbers_must_be_eleven_digits_from_13_to_19():
    assert validate_mobile(" 138-1234-1234 ") == "13812341234"
    assert validate_mobile("１３８１２３４１２３４") == "13812341234"
    for bad in ("12812341234", "1381234123", "138123412345", "abc"):
        with pytest.raises(ValidationError):
            validate_mobile(bad)


def test_resident_id_checks_the_check_digit_the_date_and_the_area():
    good = valid_id("451122", "19800101", "123")
    assert validate_resident_id(good) == good
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError):
        validate_resident_id(wrong_check)
    with pytest.raises(ValidationError, match="出生日期"):
        validate_resident_id(valid_id("451122", "19801301", "123"))
    with pytest.raises(ValidationError, match="区划代码"):
        validate_resident_id(valid_id("999999", "19800101", "123"))


def test_resident_id_of_a_renumbered_county_is_accepted():
    # 钟山县 was 452427 until 2002: a person born in 1980 may hold either code.
    assert validate_resident_id(valid_id("452427", "19800101", "123"))
    assert validate_resident_id(valid_id("451122", "19800101", "123"))


def test_lower_case_x_check_character_is_accepted():
    for seq in range(1000):
        number = valid_id("451122", "19800101", f"{seq:03d}")
        if number.endswith("X"):
            assert validate_resident_id(number.lower()) == number
            break
    else:
        pytest.fail("no number with an X check character was generated")


def test_credit_code_checksum():
    from stdnum.cn import uscc

    body = "91451122MA5K12345"
    code = body + uscc.calc_check_digit(body)
    assert validate_credit_code(code) == code
    with pytest.raises(ValidationError):
        validate_credit_code(body + ("0" if code[-1] != "0" else "1"))


def test_cleaning_keeps_chinese_punctuation_and_narrows_digits():
    from sanwen.core.text import clean_spaces

    assert clean_spaces("  烤房坏了，温度忽高忽低。　Ａ栋１２号 ") == "烤房坏了，温度忽高忽低。 A栋12号"

"""Mobile numbers in free text are masked however they are written (issue 13, item 10): with
spaces, dashes, dots, +86 or 0086, in full-width digits; on the public board and the status page."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sanwen.core.text import mask_phones_in

SEPARATORS = ["", " ", "-", " - ", "\u3000", "\uff0d", "\u2013", ".", "\u00b7", "  "]
FULL_WIDTH = str.maketrans(
    "0123456789+-", "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff0b\uff0d"
)
PREFIXES = ["", "+86", "+86 ", "0086", "86", "+86-", "\uff0b86 ", "+86 (0)"]
# Text around a number in a cadre's note: Chinese, punctuation, words; never a digit next to it.
AROUND = st.text(
    st.characters(exclude_categories=("Cs", "Nd", "No", "Nl")).filter(lambda c: c not in "+\uff0b"),
    max_size=12,
)


@st.composite
def written_mobile(draw):
    number = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
    separator = st.sampled_from(SEPARATORS)
    # Where people break a number: 3-4-4, 3-8, 4-3-4, or anywhere.
    cuts = draw(st.sampled_from([(3, 7), (3,), (4, 7), (3, 6, 9)]) | st.sets(st.integers(1, 10)).map(sorted))
    parts, last = [], 0
    for cut in [*cuts, 11]:
        parts.append(number[last:cut])
        last = cut
    written = parts[0] + "".join(draw(separator) + part for part in parts[1:])
    written = draw(st.sampled_from(PREFIXES)) + written
    if draw(st.booleans()):
        written = written.translate(FULL_WIDTH)
    return number, written


@settings(max_examples=300)
@given(mobile=written_mobile(), before=AROUND, after=AROUND)
def test_a_mobile_number_is_masked_however_it_is_written(mobile, before, after):
    number, written = mobile
    masked = mask_phones_in(f"{before}{written}{after}")
    assert masked == f"{before}{number[:3]}****{number[-4:]}{after}"


@given(text=st.text(st.characters(exclude_categories=("Cs", "Nd", "No", "Nl")), max_size=40))
def test_text_without_digits_is_left_alone(text):
    assert mask_phones_in(text) == text


def test_other_numbers_are_left_alone():
    for text in ("合同面积12.5亩，收购量1625公斤", "许可证号451122100123", "2026-03-05", "电话0774-8881234"):
        assert mask_phones_in(text) == text


def test_staff_text_on_the_board_and_the_status_page_is_masked(client, world):
    import datetime

    from sanwen.campaigns.models import HandlingMode
    from sanwen.cases.services import case_accept, case_add_note, case_register
    from sanwen.core import codes
    from sanwen.core.access import Role

    a, day = world.a, datetime.date(2026, 3, 2)
    case = case_register(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        title="展示柜配送",
        description="展示柜配送",
        ask_kind="need",
        source="visit",
        mode=HandlingMode.objects.get(campaign=a.campaign, code="public"),
        township=a.township,
        raised_on=day,
    )
    case = case_accept(case=case, by=a.users[Role.DEPT_HEAD], on=day)
    written = [
        "138 1234 5678",
        "139-8765-4321",
        "+86 137 1111 2222",
        "+8613633334444",
        "１５０５５５５６６６６",
    ]
    case_add_note(
        case=case,
        by=a.users[Role.DEPT_HEAD],
        text="；".join(f"联系{w}" for w in written),
        public=True,
        on=day,
    )
    for page in (
        client.get("/p/451122/board/").content.decode(),
        client.get("/p/track/", {"code": codes.display(case.tracking_code)}).content.decode(),
    ):
        for shown in ("138****5678", "139****4321", "137****2222", "136****4444", "150****6666"):
            assert shown in page
        for hidden in (*written, "1234 5678", "8765-4321", "1111 2222", "33334444", "５５５５"):
            assert hidden not in page

import datetime

import pytest

from sanwen.core.calendar import UnknownYear, WorkingCalendar
from sanwen.core.models import CalendarDay, CalendarYear, DayKind

D = datetime.date


@pytest.fixture
def calendar(db):
    return WorkingCalendar.load()


def test_national_day_2025_and_its_make_up_saturday(calendar):
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are working days.
    assert not calendar.is_workday(D(2025, 10, 1))
    assert not calendar.is_workday(D(2025, 10, 8))
    assert calendar.is_workday(D(2025, 9, 28))
    assert calendar.is_workday(D(2025, 10, 11))
    # Five working days from Tuesday 30 September: 9, 10, 11 (Saturday, worked), 13, 14 October.
    assert calendar.add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 14)


def test_spring_festival_2026_with_its_make_up_days(calendar):
    # 2026: 15–23 February off; Saturday 14 and Saturday 28 February are working days.
    assert calendar.is_workday(D(2026, 2, 14))
    assert not calendar.is_workday(D(2026, 2, 16))
    assert calendar.is_workday(D(2026, 2, 28))
    # One working day after Friday 13 February is Saturday 14 (worked); two is Tuesday 24.
    assert calendar.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert calendar.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    # 13, 14 (worked), 24, 25, 26, 27, 28 (worked) February, 2, 3, 4 March.
    assert calendar.add_working_days(D(2026, 2, 12), 10) == D(2026, 3, 4)


def test_an_ordinary_weekend_is_skipped(calendar):
    assert calendar.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)  # Friday → Monday
    assert calendar.previous_working_day(D(2026, 3, 9)) == D(2026, 3, 6)
    assert calendar.working_days_between(D(2026, 3, 6), D(2026, 3, 13)) == 5
    assert calendar.working_days_in(D(2026, 3, 2), D(2026, 3, 6)) == 5


def test_a_year_nobody_knows_is_refused_not_guessed(calendar):
    with pytest.raises(UnknownYear) as info:
        calendar.add_working_days(D(2026, 12, 28), 10)
    assert info.value.year == 2027
    assert "2027" in str(info.value)


def test_an_entered_year_counts_with_its_holidays_and_make_up_days(db):
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=D(2027, 1, 9), kind=DayKind.WORKDAY, name="元旦调休")
    CalendarYear.objects.create(year=2027)
    calendar = WorkingCalendar.load()
    assert not calendar.is_workday(D(2027, 1, 1))
    assert calendar.is_workday(D(2027, 1, 9))  # a Saturday
    # From Wednesday 30 December 2026: 31 Dec, (1 Jan off), 4, 5 January 2027.
    assert calendar.add_working_days(D(2026, 12, 30), 3) == D(2027, 1, 5)


def test_days_entered_before_the_year_is_complete_do_not_make_it_known(db):
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    calendar = WorkingCalendar.load()
    assert not calendar.knows(2027)
    with pytest.raises(UnknownYear):
        calendar.is_workday(D(2027, 1, 4))


def test_from_november_the_missing_next_year_is_flagged(calendar):
    assert calendar.missing_next_year(D(2026, 10, 31)) is None
    assert calendar.missing_next_year(D(2026, 11, 1)) == 2027
    assert calendar.missing_next_year(D(2025, 11, 1)) is None  # 2026 is in the package

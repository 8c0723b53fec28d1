"""Working days on the Chinese statutory calendar, with its make-up working days (调休).

The chinese-calendar package knows the years up to its release; administrators enter later years
(CalendarDay rows, then a CalendarYear row when the year is complete). A computation that reaches a
year nobody knows raises UnknownYear instead of guessing."""

import datetime
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar import constants as cc_constants
from django.utils.translation import gettext as _

from sanwen.core.models import CalendarDay, CalendarYear, DayKind

PACKAGE_YEARS = range(
    min(d.year for d in cc_constants.holidays), max(d.year for d in cc_constants.holidays) + 1
)
ONE_DAY = datetime.timedelta(days=1)


class UnknownYear(Exception):
    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _(
                "The statutory holidays of %(year)d have not been entered yet, so the time limit cannot be counted. "
                "An administrator enters them under Working-day calendar."
            )
            % {"year": year}
        )


@dataclass(frozen=True)
class WorkingCalendar:
    """The package's calendar plus the administrators' rows, loaded once (two small queries)."""

    overrides: dict  # date → True (working) / False (day off)
    entered_years: frozenset

    @classmethod
    def load(cls) -> "WorkingCalendar":
        overrides = {
            d: kind == DayKind.WORKDAY for d, kind in CalendarDay.objects.values_list("date", "kind")
        }
        return cls(
            overrides=overrides, entered_years=frozenset(CalendarYear.objects.values_list("year", flat=True))
        )

    def knows(self, year: int) -> bool:
        return year in PACKAGE_YEARS or year in self.entered_years

    def is_workday(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in PACKAGE_YEARS:
            return chinese_calendar.is_workday(day)
        if day.year in self.entered_years:
            return day.weekday() < 5
        raise UnknownYear(day.year)

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The `days`-th working day after `start` (a limit of 1 on a Friday is the next Monday)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += ONE_DAY
            if self.is_workday(day):
                days -= 1
        return day

    def add_working_days_or_weekdays(self, start: datetime.date, days: int) -> datetime.date:
        """For the clock's own reminder and supervision days only, never for a time limit: where a
        year is not known yet, count Monday to Friday rather than stop the case."""
        day = start
        while days:
            day += ONE_DAY
            try:
                working = self.is_workday(day)
            except UnknownYear:
                working = day.weekday() < 5
            if working:
                days -= 1
        return day

    def working_day_from(self, day: datetime.date) -> datetime.date:
        """`day` if it is a working day, else the next one (Monday to Friday in a year not known yet:
        such a guess is counted again when the year is entered)."""
        while True:
            try:
                if self.is_workday(day):
                    return day
            except UnknownYear:
                if day.weekday() < 5:
                    return day
            day += ONE_DAY

    def next_working_day(self, day: datetime.date) -> datetime.date:
        return self.add_working_days(day, 1)

    def previous_working_day(self, day: datetime.date) -> datetime.date:
        day -= ONE_DAY
        while not self.is_workday(day):
            day -= ONE_DAY
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            if self.is_workday(day):
                count += 1
        return count

    def working_days_in(self, first: datetime.date, last: datetime.date) -> int:
        """Working days from `first` to `last`, both included."""
        return self.working_days_between(first - ONE_DAY, last)

    def missing_next_year(self, today: datetime.date) -> int | None:
        """From 1 November, the coming year if nobody knows it yet (the State Council publishes it then)."""
        if today.month >= 11 and not self.knows(today.year + 1):
            return today.year + 1
        return None

"""Entering or correcting a year of the working-day calendar, and everything that follows from it:
the calendar is core's, the dates it derives belong to cases and field work, above it."""

from django.db import transaction

from sanwen.cases.services import case_recompute_calendar_dates
from sanwen.core.calendar_services import calendar_days_save
from sanwen.fieldwork.services import leave_recount


@transaction.atomic
def calendar_year_enter(*, year: int, days: dict, source: str = "", by=None) -> int:
    """Replace the year's entered days, mark the year known, and count again every date the calendar
    derives that reaches into the year (time limits, pending or not, reminder and supervision days,
    acceptance and return visit due, follow-ups). Returns how many pending time limits were computed."""
    calendar_days_save(year=year, days=days, source=source, by=by)
    leave_recount(year=year)  # approved leave in that year was counted Monday to Friday until now
    return case_recompute_calendar_dates(year=year)["pending"]

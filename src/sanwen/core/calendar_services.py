"""Entering a year's statutory schedule (the State Council publishes it each November)."""

import csv
import datetime
import io
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sanwen.core.audit import audit_create
from sanwen.core.models import CalendarDay, CalendarYear, DayKind

_LINE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*\.\.\s*(\d{4}-\d{1,2}-\d{1,2}))?\s*(.*)$")


def _date(text: str, year: int, errors: list, where: str) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat("-".join(f"{int(p):02d}" for p in text.split("-")))
    except ValueError:
        errors.append(_("%(where)s: %(text)s is not a date.") % {"where": where, "text": text})
        return None
    if day.year != year:
        errors.append(
            _("%(where)s: %(day)s is not in %(year)d.") % {"where": where, "day": day, "year": year}
        )
        return None
    return day


def parse_calendar_lines(year: int, holidays: str, workdays: str) -> dict[datetime.date, tuple[str, str]]:
    """Lines of `2027-01-01 元旦` or `2027-02-06..2027-02-13 春节` → {date: (kind, name)}."""
    days: dict[datetime.date, tuple[str, str]] = {}
    errors: list[str] = []
    for kind, text in ((DayKind.HOLIDAY, holidays), (DayKind.WORKDAY, workdays or "")):
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            where = _("%(list)s line %(n)d") % {"list": DayKind(kind).label, "n": number}
            match = _LINE.match(line)
            if not match:
                errors.append(_("%(where)s: write a date like 2027-01-01 and a name.") % {"where": where})
                continue
            first = _date(match.group(1), year, errors, where)
            last = _date(match.group(2), year, errors, where) if match.group(2) else first
            if first is None or last is None:
                continue
            day = first
            while day <= last:
                if day in days:
                    errors.append(_("%(where)s: %(day)s is given twice.") % {"where": where, "day": day})
                days[day] = (kind, match.group(3).strip())
                day += datetime.timedelta(days=1)
    errors += _check(days)
    if errors:
        raise ValidationError(errors)
    return days


def parse_calendar_csv(year: int, content: bytes) -> dict[datetime.date, tuple[str, str]]:
    """A CSV of date,kind,name with kind 放假/holiday or 上班/调休/workday."""
    text = content.decode("utf-8-sig")
    days, errors = {}, []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip() or row[0].strip().lower() in ("date", "日期"):
            continue
        where = _("CSV row %(n)d") % {"n": number}
        day = _date(row[0].strip(), year, errors, where)
        kind_text = row[1].strip().lower() if len(row) > 1 else ""
        if kind_text in ("holiday", "放假", "休"):
            kind = DayKind.HOLIDAY
        elif kind_text in ("workday", "上班", "调休", "班"):
            kind = DayKind.WORKDAY
        else:
            errors.append(_("%(where)s: the kind is 放假 or 上班.") % {"where": where})
            continue
        if day is not None:
            days[day] = (kind, row[2].strip() if len(row) > 2 else "")
    errors += _check(days)
    if errors:
        raise ValidationError(errors)
    return days


def _check(days) -> list[str]:
    errors = []
    for day, (kind, _name) in sorted(days.items()):
        if kind == DayKind.WORKDAY and day.weekday() < 5:
            errors.append(
                _("%(day)s is a weekday already; a make-up working day is a Saturday or Sunday.")
                % {"day": day}
            )
    if days and not any(kind == DayKind.HOLIDAY for kind, _n in days.values()):
        errors.append(_("No day off is given."))
    return errors


@transaction.atomic
def calendar_days_save(*, year: int, days: dict, source: str = "", by=None) -> CalendarYear:
    """Replace the year's entered days and mark the year known. The dates the calendar derives are
    counted again by the caller (sanwen.desk.calendar.calendar_year_enter), in the same transaction."""
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(CalendarDay(date=d, kind=k, name=n) for d, (k, n) in sorted(days.items()))
    entry, created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": source, "entered_by": by}
    )
    audit_create(by=by, obj=entry, note=_("%(n)d days entered") % {"n": len(days)})
    return entry

"""Periods cut into whole calendar months and the days at their edges: figures kept per month (the
tallies) are read for the whole months, the rows themselves only for the edges."""

import datetime


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def split_months(start: datetime.date, end: datetime.date):
    """The whole months of a period (first and last month's first days, or None) and the days at its
    edges outside them ([(start, end)], at most two stretches shorter than a month)."""
    first = start if start.day == 1 else next_month(start)
    last = month_start(end) if next_month(end) - datetime.timedelta(days=1) == end else None
    if last is None:
        last = month_start(end) - datetime.timedelta(days=1)
        last = month_start(last)
    if first > last:
        return None, None, [(start, end)]
    edges = []
    if start < first:
        edges.append((start, first - datetime.timedelta(days=1)))
    after = next_month(last)
    if after <= end:
        edges.append((after, end))
    return first, last, edges

"""The six-zeros scorecard (六个零, SPEC §6), computed from the records for a staff member, a
department or a bureau (a parent bureau: its children side by side) over a month, quarter or year.

Each figure is a queryset of the records behind it (`records(code, …)`), counted in the database,
grouped by bureau when a parent compares its children: a bounded number of queries whatever the
size of the data (one per figure; the quota figure one per completed month of the period).

  delay     零延误  cases resolved late in the period, or open past their limit at its end
  omission  零疏忽  steps skipped: resolutions in the period accepted later than one working day or
                    with the handling mode's rule unmet, and return visits that fell due in the
                    period without being made by their day
  error     零差错  reopenings in the period (each dissatisfied return visit reopens the case)
  lapse     零失误  monthly quota shortfalls (completed months) and commitments due in the period that
                    were not kept by their day

Figures of a period are read from the case timeline as it stood at the period's end (each step's day
and the time limit in force after it), never from a case's present fields: reopening, late ratings
and other later steps count in the period in which they happen, and a closed period never changes.
Periods include their last day; every figure but 零延误's open cases and 零距离 adds up over months.
  distance  零距离  households of the area of responsibility not visited in the period (and coverage)
  breach    零违犯  substantiated 五不准 violations concluded in the period
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanwen.accountability.models import Commitment, CommitmentState, ReportState, ViolationReport
from sanwen.campaigns.models import Campaign, ClosingRule, ZeroTarget
from sanwen.cases.models import (
    CLOSED_STATES,
    LIFECYCLE,
    OPEN_AFTER,
    Case,
    CaseEvent,
    CasePartner,
    EventKind,
    FollowUp,
    MonthTally,
    OpenTally,
    SkippedStep,
    State,
)
from sanwen.clients.models import Household, HouseholdTally
from sanwen.core.access import Scope, reads_integrity, visible
from sanwen.core.months import split_months
from sanwen.fieldwork.models import VisitedMonth, VisitedTally
from sanwen.fieldwork.quota import quota_rows, short_only
from sanwen.org.models import ContactPoint

CODES = ("delay", "omission", "error", "lapse", "distance", "breach")


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    kind: str  # month | quarter | year
    label: str

    @classmethod
    def parse(cls, text: str) -> "Period":
        """2026-01 (a month), 2026-Q1 (a quarter), 2026 (a year) or 2025-07-01..2026-03-01 (any days)."""
        text = (text or "").strip().upper()
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise ValueError(text)
            last = calendar.monthrange(year, month)[1]
            return cls(
                datetime.date(year, month, 1),
                datetime.date(year, month, last),
                "month",
                f"{year}-{month:02d}",
            )
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", text):
            year, quarter = int(m[1]), int(m[2])
            first = datetime.date(year, 3 * quarter - 2, 1)
            last_month = 3 * quarter
            end = datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])
            return cls(first, end, "quarter", f"{year}-Q{quarter}")
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            start, end = datetime.date.fromisoformat(m[1]), datetime.date.fromisoformat(m[2])
            if end < start:
                raise ValueError(text)
            return cls(start, end, "custom", text)
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year", text)
        raise ValueError(text)

    def months(self) -> list[datetime.date]:
        out, day = [], self.start
        while day <= self.end:
            out.append(day)
            day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return out

    def cutoff(self, today: datetime.date) -> datetime.date:
        """The last day counted: the period's end, or today while it runs."""
        return min(self.end, today)


def _day_range(start, end):
    zone = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
    )


def _cases(scope: Scope):
    cases = Case.objects.filter(bureau_id__in=scope.bureau_ids)
    if scope.staff is not None:
        return cases.filter(owner=scope.staff)
    if scope.department is not None:
        return cases.filter(department=scope.department)
    return cases


def _timeline_until(day: datetime.date):
    """The case's events up to the end of `day`, the latest first."""
    return CaseEvent.objects.filter(case=OuterRef("pk"), on__lte=day).order_by("-at", "-id")


def open_on(cases, day: datetime.date):
    """Cases open at the end of `day` as their timeline stood then, annotated with the time limit in
    force then (`limit_then`: acceptance, extension and reopening included)."""
    return (
        cases.filter(raised_on__lte=day)
        # Never reopened and resolved by then: closed at the end of the day (most of the history).
        .exclude(state__in=CLOSED_STATES, reopened=0, resolved_on__lte=day)
        .annotate(
            step_then=Subquery(_timeline_until(day).filter(kind__in=LIFECYCLE).values("kind")[:1]),
            limit_then=Subquery(_timeline_until(day).values("deadline")[:1]),
        )
        .filter(step_then__in=OPEN_AFTER)
    )


def open_past_limit(cases, day: datetime.date, *, narrow: bool = False):
    """Cases that, as their timeline stood at the end of `day`, were open with a time limit that had
    passed before it. A case whose latest step is on or before `day` stood then as it stands after
    that step (`latest`, `open_after` and its limit, read from an index of the open ones); only the
    cases with a step after `day` are read from their timeline as it stood (none, for a period that
    runs to today)."""
    settled = _settled_open(day)
    if narrow:  # a person's or a department's few cases, each looked up in the index
        settled = Q(Exists(settled.filter(case=OuterRef("pk"))))
    else:  # a bureau's: the index's open cases listed once
        settled = Q(pk__in=settled.values("case_id"))
    moved = cases.filter(pk__in=CaseEvent.objects.filter(on__gt=day).values("case_id"))
    then = open_on(moved, day).filter(limit_then__lt=day)
    return cases.filter(raised_on__lte=day).filter(settled | Q(pk__in=then.values("pk")))


def _of_cases(scope: Scope) -> Q:
    """A step of a case's timeline in the scope: a bureau's by the bureau each step carries (read from
    the index that starts with it); a person's through their cases (joined: read from the owner's
    index, a few hundred at most); a department's each checked against its case by primary key
    (EXISTS), not by listing the department's thousands of cases first."""
    of_bureau = Q(bureau_id__in=scope.bureau_ids)
    if scope.whole_bureau:
        return of_bureau
    if scope.staff is not None:  # a person's few cases first (their index), then each one's steps
        return of_bureau & Q(case__owner=scope.staff)
    return of_bureau & Q(Exists(_cases(scope).order_by().filter(pk=OuterRef("case_id"))))


def _events(scope, kind: str, period, today):
    return CaseEvent.objects.filter(kind=kind, on__gte=period.start, on__lte=period.cutoff(today)).filter(
        _of_cases(scope)
    )


def late_resolutions(scope, period, today):
    """Resolutions in the period after the time limit in force when they were made."""
    return _events(scope, EventKind.RESOLVED, period, today).filter(on__gt=F("deadline"))


def delay_cases(scope, period, today):
    """零延误: cases resolved late in the period, or open past their limit at its end (as they stood)."""
    cutoff = period.cutoff(today)
    late = late_resolutions(scope, period, today).values("case_id")
    overdue = open_past_limit(_cases(scope), cutoff, narrow=not scope.whole_bureau).values("pk")
    return _cases(scope).filter(Q(pk__in=late) | Q(pk__in=overdue))


def _settled_open(day: datetime.date):
    """Latest steps after which their case stood open with a limit passed by the end of `day`."""
    return CaseEvent.objects.filter(latest=True, open_after=True, deadline__lt=day, on__lte=day)


def delay_counts(scope, period, today, by_bureau: bool) -> dict:
    """零延误 of a bureau (or several) counted without listing its cases: the cases resolved late in
    the period (each once), plus those open past their limit at its end, less the cases that are
    both. The late resolutions are summed from cases.MonthTally for the period's whole months; the open
    cases from cases.OpenTally (the cases whose latest step is on or before the day, as the triggers
    keep them), plus the few whose timeline moved after the day, read as it stood."""
    cutoff = period.cutoff(today)
    cases = _cases(scope)
    late = late_resolutions(scope, period, today)
    settled = OpenTally.objects.filter(bureau_id__in=scope.bureau_ids, deadline__lt=cutoff, on__lte=cutoff)
    moved = cases.filter(
        raised_on__lte=cutoff, pk__in=CaseEvent.objects.filter(on__gt=cutoff).values("case_id")
    )
    then = (
        open_on(moved, cutoff)
        .filter(limit_then__lt=cutoff)
        .exclude(Exists(_settled_open(cutoff).filter(case=OuterRef("pk"))))
    )
    # The late cases also open past their limit: their resolutions, checked against the index. A case
    # stands open after a resolution only if a later step opened it again: only those resolutions
    # (`opened_later`, a few of the period's late ones, read from their own index) are checked.
    both = late.filter(opened_later=True).filter(
        Q(Exists(_settled_open(cutoff).filter(case=OuterRef("case_id")))) | Q(case__in=then)
    )
    # Each late case once: the period's late resolutions (tallied per month) less those followed in
    # the timeline by another late resolution of the period (a case resolved late k times
    # has k - 1 of them, each marked `resolved_later`: a few, read from their own index).
    again = late.filter(resolved_later=True).filter(
        Exists(
            CaseEvent.objects.filter(
                Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk")),
                case=OuterRef("case_id"),
                kind=EventKind.RESOLVED,
                on__gte=period.start,
                on__lte=cutoff,
                on__gt=F("deadline"),
            )
        )
    )
    distinct = Count("case_id", distinct=True)
    # The late resolutions: per whole month from the tallies, the days at the edges from their index.
    out = _by_months(
        scope,
        MonthTally.Kind.LATE,
        period.start,
        cutoff,
        lambda start, end: CaseEvent.objects.filter(
            _of_cases(scope), kind=EventKind.RESOLVED, on__gte=start, on__lte=end, on__gt=F("deadline")
        ),
        by_bureau,
    )
    for sign, part, count in ((-1, again, None), (1, then, None), (-1, both, distinct)):
        for key, row in _grouped(part, by_bureau, count=count).items():
            out.setdefault(key, {"n": 0})["n"] += sign * row["n"]
    if by_bureau:
        rows = (
            settled.order_by().values("bureau_id").annotate(total=Sum("n")).values_list("bureau_id", "total")
        )
    else:
        rows = [(None, settled.aggregate(total=Sum("n"))["total"] or 0)]
    for key, total in rows:
        out.setdefault(key, {"n": 0})["n"] += total
    return out


def omission_events(scope, period, today):
    """零疏忽 counts two kinds of steps skipped, each in the period where it happened: a resolution
    in the period after an acceptance later than one working day or with the handling mode's rule
    unmet; and a resolution whose return visit fell due in the period (before today) without one by
    its due day. Returns the two querysets of resolutions (an event may be in both, in two periods)."""
    unmet = (
        Q(case__mode__closing_rule=ClosingRule.IN_BATCH, case__batch__isnull=True)
        | Q(
            case__mode__closing_rule=ClosingRule.SENIOR_OWNER_FIRST_CONTACT,
            case__first_contact_on__isnull=True,
        )
        | Q(case__mode__closing_rule=ClosingRule.ONSITE_VISIT, case__on_site_visit_on__isnull=True)
        | Q(case__mode__closing_rule=ClosingRule.PARTNER)
        & ~Exists(CasePartner.objects.filter(case=OuterRef("case_id")))
        | Q(case__mode__closing_rule=ClosingRule.PUBLIC_BOARD, case__public=False)
        | Q(case__mode__closing_rule=ClosingRule.FOLLOW_UPS, case__state=State.ARCHIVED)
        & Exists(FollowUp.objects.filter(case=OuterRef("case_id"), done_on__isnull=True))
    )
    skipped = _events(scope, EventKind.RESOLVED, period, today).filter(
        Q(case__accepted_on__gt=F("case__accept_due")) | unmet
    )
    return skipped, missed_visits(scope, period, today)


def missed_visits(scope, period, today):
    """Resolutions whose return visit fell due in the period (before today) and was not answered by
    its due day: no return visit or reopening recorded after it on or before that day."""
    return _missed_between(scope, period.start, min(period.cutoff(today), today - datetime.timedelta(days=1)))


def _missed_between(scope, first: datetime.date, last: datetime.date):
    """Resolutions whose return visit fell due from `first` to `last` and was not made by its day."""
    return CaseEvent.objects.filter(kind=EventKind.RESOLVED, due_on__gte=first, due_on__lte=last).filter(
        Q(answered_on__isnull=True) | Q(answered_on__gt=F("due_on")), _of_cases(scope)
    )


def _by_months(scope, kind: str, first: datetime.date, last: datetime.date, rows, by_bureau: bool) -> dict:
    """A bureau's count of `kind` (cases.MonthTally) over the days first..last: the tallies of the
    whole months, and `rows(start, end)` counted for the days at the edges; {bureau_id: {"n": …}}."""
    out = {} if by_bureau else {None: {"n": 0}}
    if first > last:
        return out
    whole_first, whole_last, edges = split_months(first, last)
    parts = [(rows(start, end), None) for start, end in edges]
    if whole_first is not None:
        tally = MonthTally.objects.filter(
            bureau_id__in=scope.bureau_ids, kind=kind, month__gte=whole_first, month__lte=whole_last
        )
        parts.append((tally, Sum("n")))
    for part, count in parts:
        for key, row in _grouped(part, by_bureau, count=count).items():
            out.setdefault(key, {"n": 0})["n"] += row["n"] or 0
    return out


def omission_tallied(scope, period, today, by_bureau: bool) -> dict:
    """零疏忽 of a bureau (or several) from the month tallies: the marked resolutions (SkippedStep) and
    the return visits missed, each read per whole month and counted from the rows at the edges."""
    cutoff = period.cutoff(today)
    out = _by_months(
        scope,
        MonthTally.Kind.SKIPPED,
        period.start,
        cutoff,
        lambda start, end: SkippedStep.objects.filter(
            bureau_id__in=scope.bureau_ids, on__gte=start, on__lte=end
        ),
        by_bureau,
    )
    last_due = min(cutoff, today - datetime.timedelta(days=1))  # missed only once its day has passed
    missed = _by_months(
        scope,
        MonthTally.Kind.MISSED,
        period.start,
        last_due,
        lambda start, end: _missed_between(scope, start, end),
        by_bureau,
    )
    for key, row in missed.items():
        out.setdefault(key, {"n": 0})["n"] += row["n"]
    return out


def omission_counted(scope, period, today):
    """零疏忽 counted without testing each of the period's resolutions against its case: the
    resolutions that skipped a step as cases.SkippedStep keeps them marked (the same test as
    omission_events, kept by triggers) — a bureau's from the index of its marks, a person's or a
    department's from their cases' — and the return visits missed."""
    skipped = SkippedStep.objects.filter(
        bureau_id__in=scope.bureau_ids, on__gte=period.start, on__lte=period.cutoff(today)
    )
    if scope.staff is not None:
        skipped = skipped.filter(case__owner=scope.staff)
    elif scope.department is not None:
        skipped = skipped.filter(case__department=scope.department)
    return skipped, missed_visits(scope, period, today)


def omission_cases(scope, period, today):
    skipped, missed = omission_events(scope, period, today)
    return _cases(scope).filter(Q(pk__in=skipped.values("case_id")) | Q(pk__in=missed.values("case_id")))


def error_events(scope, period, today):
    """零差错, one per reopening in the period: every dissatisfied return visit reopens the case (重办),
    so each counts in the month it happened, as does a reopening by a leader."""
    return _events(scope, EventKind.REOPENED, period, today)


def error_cases(scope, period, today):
    return _cases(scope).filter(pk__in=error_events(scope, period, today).values("case_id"))


def commitments_lapsed(scope, period, today):
    """Commitments due in the period (its last day included) whose day has passed without their being
    kept (kept or partly kept by the due day): a commitment kept late still lapsed in its month."""
    commitments = Commitment.objects.filter(
        bureau_id__in=scope.bureau_ids,
        due_on__gte=period.start,
        due_on__lte=period.end,
        due_on__lt=today,
    )
    if scope.staff is not None:
        commitments = commitments.filter(staff=scope.staff)
    elif scope.department is not None:
        commitments = commitments.filter(
            Q(department=scope.department) | Q(staff__department=scope.department)
        )
    kept_in_time = Q(state__in=[CommitmentState.KEPT, CommitmentState.PARTLY]) & (
        Q(closed_on__isnull=True) | Q(closed_on__lte=F("due_on"))
    )
    return commitments.exclude(kept_in_time)


def completed_months(period, today):
    """Months of the period that are over and lie wholly in it (a month still under way, or only
    partly in the period, has not failed its quota)."""
    out = []
    for month in period.months():
        first = month.replace(day=1)
        last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
            days=1
        )
        if first >= period.start and last <= period.end and last < today:
            out.append(first)
    return out


def short_rows(scope, month):
    rows = quota_rows(
        bureau_ids=scope.bureau_ids,
        month=month,
        department_id=scope.department.pk if scope.department is not None else None,
    )
    if scope.staff is not None:
        rows = rows.filter(pk=scope.staff.pk)
    return short_only(rows)


def area_households(scope, period):
    households = Household.objects.filter(bureau_id__in=scope.bureau_ids, active=True)
    if scope.staff is None and scope.department is None:
        return households
    points = ContactPoint.objects.filter(since__lte=period.end).filter(
        Q(until__isnull=True) | Q(until__gte=period.start)
    )
    if scope.staff is not None:
        points = points.filter(staff=scope.staff)
    else:
        points = points.filter(staff__department=scope.department)
    return households.filter(village_id__in=points.values("village_id"))


def visited_in(period, today):
    """The household had a visit in the period (periods are whole months; none is in the future)."""
    return VisitedMonth.objects.filter(
        household=OuterRef("pk"), month__gte=period.start.replace(day=1), month__lte=period.cutoff(today)
    )


def household_tally(scope):
    """The rows of HouseholdTally that count a bureau's active households (its whole area)."""
    return HouseholdTally.objects.filter(bureau_id__in=scope.bureau_ids, active=True)


def visited_tally(scope, period, today):
    """The rows of VisitedTally that count a bureau's active households met in the period: of its
    months, those whose previous month met is before the period (each household once)."""
    first = period.start.replace(day=1)
    return VisitedTally.objects.filter(
        bureau_id__in=scope.bureau_ids, month__gte=first, month__lte=period.cutoff(today), prev__lt=first
    )


def households_not_visited(scope, period, today):
    return area_households(scope, period).filter(~Exists(visited_in(period, today)))


def breaches(scope, period, today):
    reports = ViolationReport.objects.filter(
        bureau_id__in=scope.bureau_ids,
        state=ReportState.SUBSTANTIATED,
        concluded_on__gte=period.start,
        concluded_on__lte=period.cutoff(today),
    )
    if scope.staff is not None:
        return reports.filter(accused=scope.staff)
    if scope.department is not None:
        return reports.filter(accused__department=scope.department)
    return reports


CASE_FIGURES = {"delay": delay_cases, "omission": omission_cases, "error": error_cases}
# What each case figure counts: cases (零延误), or steps on the timeline — one per resolution that
# skipped a step, one per reopening — so that the months of a quarter add up to it.
COUNTED = {"delay": delay_cases, "omission": omission_counted, "error": error_events}


def _grouped(queryset, by_bureau: bool, count=None, **extra) -> dict:
    """{bureau_id: {...counts}} (or {None: {...}}) in one query (one per part of a figure counted in
    parts, the counts added); n counts the rows, or what `count` says."""
    # COUNT(*), not of the primary key: the rows are then counted from an index that holds the
    # filter's columns alone (the late, missed and marked steps), without reading each row.
    count = count or Count("*")
    if isinstance(queryset, tuple):
        total = {}
        for part in queryset:
            for key, row in _grouped(part, by_bureau, count, **extra).items():
                entry = total.setdefault(key, {})
                for name, value in row.items():
                    entry[name] = (entry.get(name) or 0) + (value or 0)
        if not by_bureau:
            total.setdefault(None, {"n": 0})
        return total
    if by_bureau:
        rows = queryset.order_by().values("bureau_id").annotate(n=count, **extra)
        return {r.pop("bureau_id"): r for r in rows}
    return {None: queryset.aggregate(n=count, **extra)}


def compute(
    scope: Scope,
    period: Period,
    today: datetime.date | None = None,
    *,
    by_bureau: bool = False,
    viewer=None,
    short: dict | None = None,
) -> dict:
    """{code: {bureau_id or None: counts}}, each figure counted in the database. With a `viewer`, 零违犯
    counts only the reports the access policy lets them read (none for those outside the register).
    `short` ({month: how many fell short of the quota}, the scope's, e.g. from the quota table a page
    shows beside) stands in for counting those months again."""
    today = today or timezone.localdate()
    out = {}
    for code, function in COUNTED.items():
        if code == "delay" and scope.whole_bureau:  # a bureau's: from the tally of open cases
            out[code] = delay_counts(scope, period, today, by_bureau)
        elif code == "omission" and scope.whole_bureau:  # and the month tallies
            out[code] = omission_tallied(scope, period, today, by_bureau)
        else:
            out[code] = _grouped(function(scope, period, today), by_bureau)
    months = completed_months(period, today)
    lapse = _grouped(commitments_lapsed(scope, period, today), by_bureau)
    for key in lapse:
        lapse[key] = {"n": lapse[key]["n"], "commitments": lapse[key]["n"], "months": 0}
    for month in months:
        counted = {None: {"n": short[month]}} if short and month in short and not by_bureau else None
        for key, row in (counted or _grouped(short_rows(scope, month), by_bureau)).items():
            entry = lapse.setdefault(key, {"n": 0, "commitments": 0, "months": 0})
            entry["n"] += row["n"]
            entry["months"] += row["n"]
    out["lapse"] = lapse
    # Two counts: the area, and those of it not visited: a person's or a department's area by an
    # anti-join; a bureau's, its active households less those met in the period (VisitedTally).
    if scope.whole_bureau:
        area = _grouped(household_tally(scope), by_bureau, count=Coalesce(Sum("n"), 0))
        unvisited = {key: {"n": row["n"]} for key, row in area.items()}
        for key, row in _grouped(visited_tally(scope, period, today), by_bureau, count=Sum("n")).items():
            unvisited.setdefault(key, {"n": 0})["n"] -= row["n"] or 0
    else:
        area = _grouped(area_households(scope, period), by_bureau)
        unvisited = _grouped(households_not_visited(scope, period, today), by_bureau)
    out["distance"] = {}
    for key, row in area.items():
        missing = unvisited.get(key, {}).get("n", 0)
        out["distance"][key] = {
            "n": missing,
            "total": row["n"],
            "unvisited": missing,
            "coverage": None if not row["n"] else round(100 * (row["n"] - missing) / row["n"], 1),
        }
    reports = breaches(scope, period, today)
    out["breach"] = _grouped(reports if viewer is None else visible(reports, viewer), by_bureau)
    return out


def records(code: str, scope: Scope, period: Period, today=None, month: datetime.date | None = None):
    """The records behind a figure: cases, commitments, staff short of their quota (one month, or
    the first completed month), households not visited, or violation reports."""
    today = today or timezone.localdate()
    if code in CASE_FIGURES:
        return CASE_FIGURES[code](scope, period, today)
    if code == "commitments":
        return commitments_lapsed(scope, period, today)
    if code == "quota":
        return short_rows(scope, month or period.start)
    if code == "distance":
        return households_not_visited(scope, period, today)
    if code == "breach":
        return breaches(scope, period, today)
    raise KeyError(code)


@dataclass
class Card:
    """A scorecard ready to show: one column per scope (a bureau's children side by side, or one)."""

    period: Period
    columns: list  # [(label, bureau or None)]
    figures: list  # [(code, name, description, [cell per column])]


ZERO_NAMES = {
    "delay": _("Zero delay (零延误)"),
    "omission": _("Zero procedural omission (零疏忽)"),
    "error": _("Zero quality error (零差错)"),
    "lapse": _("Zero duty lapse (零失误)"),
    "distance": _("Zero distance (零距离)"),
    "breach": _("Zero discipline breach (零违犯)"),
}


# The records behind 零失误 come in two lists: the commitments lapsed and who fell short of the quota.
RECORD_NAMES = {
    "commitments": _("Commitments lapsed (零失误)"),
    "quota": _("Staff short of the field-day quota (零失误)"),
}


def figure_name(code: str, scope: Scope, period: Period, today=None) -> str:
    """What a figure's records are called: the zero's name as the campaign has it (or the default),
    never its code."""
    if code in RECORD_NAMES:
        return RECORD_NAMES[code]
    campaign = Campaign.objects.current(scope.bureau, period.cutoff(today or timezone.localdate()))
    if campaign is not None:
        target = ZeroTarget.objects.filter(campaign=campaign, code=code).only("name").first()
        if target is not None:
            return target.name
    return ZERO_NAMES.get(code, code)


def _sum(cells):
    total = {}
    for cell in cells:
        for k, v in cell.items():
            if isinstance(v, int):
                total[k] = total.get(k, 0) + v
    return total


def card(
    scope: Scope,
    period: Period,
    today=None,
    *,
    children: bool = False,
    viewer=None,
    short: dict | None = None,
) -> Card:
    """The scorecard of the scope; with `children`, each child bureau of the scope's bureau (with
    its own descendants) in a column of its own, and the total. Shown to a `viewer`, 零违犯 is there
    only for the integrity register's readers, counting the reports they may read: its count would
    otherwise tell others (a department head, an administrator, the person a report is about) what
    the register keeps from them."""
    today = today or timezone.localdate()
    names = dict(ZERO_NAMES)
    descriptions = {}
    campaign = Campaign.objects.current(scope.bureau, period.cutoff(today))
    if campaign is not None:
        for target in ZeroTarget.objects.filter(campaign=campaign, active=True):
            names[target.code] = target.name
            descriptions[target.code] = target.description
    kids = list(scope.bureau.children.order_by("code")) if children else []
    data = compute(scope, period, today, by_bureau=bool(kids), viewer=viewer, short=short)
    if kids:
        owner = scope.bureau.child_of(kids)
        columns = [(kid.short_name or kid.name, kid) for kid in kids]
    else:
        columns = [(scope.label, None)]
    figures = []
    for code in CODES:
        if code == "breach" and viewer is not None and not reads_integrity(viewer):
            continue
        cells_by_key = data[code]
        if kids:
            per_kid = {kid.pk: [] for kid in kids}
            own = []
            for bureau_id, row in cells_by_key.items():
                (per_kid[owner[bureau_id]] if bureau_id in owner else own).append(row)
            cells = [_sum(per_kid[kid.pk]) for kid in kids]
            cells.append(_sum([row for rows in per_kid.values() for row in rows] + own))
        else:
            cells = [cells_by_key.get(None, {})]
        for cell in cells:
            cell.setdefault("n", 0)
            if code == "distance":
                total, unvisited = cell.get("total", 0), cell.get("unvisited", 0)
                cell["coverage"] = None if not total else round(100 * (total - unvisited) / total, 1)
        figures.append((code, names[code], descriptions.get(code, ""), cells))
    if kids:
        columns.append((_("Total"), None))
    return Card(period=period, columns=columns, figures=figures)

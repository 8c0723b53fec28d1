"""Campaign statistics for any period and scope (a bureau with its descendants, or one department,
township or staff member of a bureau): every figure is a queryset of the records behind it, counted
in the database; a dashboard is a bounded number of queries whatever the size of the data."""

import dataclasses
import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case as DbCase
from django.db.models import CharField, Count, Exists, F, Func, OuterRef, Q, Subquery, Sum, Value, When
from modeltranslation.settings import DEFAULT_LANGUAGE
from modeltranslation.utils import build_localized_fieldname

from sanwen.cases.models import (
    AskKind,
    Case,
    CaseEvent,
    ConcernKind,
    Deed,
    EventKind,
    ReturnVisit,
    Satisfaction,
    State,
)
from sanwen.clients.models import Household
from sanwen.core.months import split_months
from sanwen.fieldwork.models import LedgerBook, Meeting, VisitDay, VisitHousehold, VisitStaff
from sanwen.reports.models import CaseTally, ResolutionTally, ScopeCaseTally, ScopeDim, ScopeResolutionTally


@dataclass
class Filters:
    bureau_ids: list
    start: datetime.date
    end: datetime.date
    department: object = None
    township: object = None
    staff: object = None
    extra: dict = field(default_factory=dict)

    @property
    def scoped(self) -> bool:
        return any(x is not None for x in (self.department, self.township, self.staff))


def _in_township(prefix: str, township):
    """A place field (village) lying in the township: the township itself, a village committee of it, or a
    natural village under one."""
    return (
        Q(**{prefix: township})
        | Q(**{f"{prefix}__parent": township})
        | Q(**{f"{prefix}__parent__parent": township})
    )


def meetings(f: Filters):
    rows = Meeting.objects.filter(bureau_id__in=f.bureau_ids, on__gte=f.start, on__lte=f.end)
    if f.township is not None:
        rows = rows.filter(_in_township("village", f.township))
    # A person's or a department's meetings found from the people (an index on the attendees), not
    # by testing each of the period's meetings.
    attended = Meeting.staff.through.objects
    if f.staff is not None:
        rows = rows.filter(pk__in=attended.filter(staff=f.staff).values("meeting_id"))
    elif f.department is not None:
        rows = rows.filter(pk__in=attended.filter(staff__department=f.department).values("meeting_id"))
    return rows


def household_visits(f: Filters):
    """户次: one per household per visit. A person's or a department's are found from the people's
    visits of the period (VisitStaff's index of person and day), not by testing each of the period's
    户次."""
    rows = VisitHousehold.objects.filter(bureau_id__in=f.bureau_ids, on__gte=f.start, on__lte=f.end)
    people = f.staff is not None or f.department is not None
    if f.township is not None and people:
        rows = rows.filter(household__township=f.township)  # among the people's visits
    elif f.township is not None:  # the township's households' 户次, by their index of household and day
        rows = rows.filter(household_id__in=Household.objects.filter(township=f.township).values("pk"))
    theirs = VisitStaff.objects.filter(on__gte=f.start, on__lte=f.end)
    if f.staff is not None:
        rows = rows.filter(visit_id__in=theirs.filter(staff=f.staff).values("visit_id"))
    elif f.department is not None:
        rows = rows.filter(visit_id__in=theirs.filter(staff__department=f.department).values("visit_id"))
    return rows


def ledger_books(f: Filters):
    rows = LedgerBook.objects.filter(bureau_id__in=f.bureau_ids, opened_on__gte=f.start, opened_on__lte=f.end)
    if f.township is not None:
        rows = rows.filter(
            _in_township("village", f.township) | _in_township("contact_point__village", f.township)
        )
    if f.staff is not None:
        rows = rows.filter(keeper=f.staff)
    elif f.department is not None:
        rows = rows.filter(keeper__department=f.department)
    return rows


# The state a case is in after each step of its timeline. A reassignment (交办 again) changes the state
# only of a case accepted and not yet assigned: one in progress stays in progress.
STATE_AFTER = {
    EventKind.REGISTERED: State.REGISTERED,
    EventKind.ACCEPTED: State.ACCEPTED,
    EventKind.DECLINED: State.DECLINED,
    EventKind.ASSIGNED: State.ASSIGNED,
    EventKind.STARTED: State.IN_PROGRESS,
    EventKind.RESOLVED: State.RESOLVED,
    EventKind.RETURN_VISIT: State.VISITED,
    EventKind.REOPENED: State.IN_PROGRESS,
    EventKind.ARCHIVED: State.ARCHIVED,
    EventKind.MERGED: State.MERGED,
}


def state_on(day: datetime.date):
    """An expression for a case's state at the end of `day`, read from its timeline: the state after
    its last step other than an assignment, or assigned if that step was its acceptance and it has
    been assigned since (an assignment comes only after the acceptance)."""
    steps = [kind for kind in STATE_AFTER if kind != EventKind.ASSIGNED]
    last = (
        CaseEvent.objects.filter(case=OuterRef("pk"), on__lte=day, kind__in=steps)
        .order_by("-at", "-id")
        .values("kind")[:1]
    )
    assigned = CaseEvent.objects.filter(case=OuterRef("pk"), on__lte=day, kind=EventKind.ASSIGNED)
    return DbCase(
        When(Exists(assigned), step_then=EventKind.ACCEPTED, then=Value(State.ASSIGNED.value)),
        *[When(step_then=kind, then=Value(STATE_AFTER[kind].value)) for kind in steps],
        default=F("state"),
        output_field=CharField(),
    ), Subquery(last)


def _cases(f: Filters):
    # Every registration counts in the period it was made, a duplicate merged later included (merging
    # is a later step: it does not take the case out of a period that has closed).
    rows = Case.objects.filter(bureau_id__in=f.bureau_ids)
    if f.township is not None:
        rows = rows.filter(township=f.township)
    if f.staff is not None:
        # Theirs: what they own, what they registered, and what came in through their visit card.
        rows = rows.filter(Q(owner=f.staff) | Q(raised_by=f.staff) | Q(via_card_of=f.staff))
    elif f.department is not None:
        rows = rows.filter(department=f.department)
    return rows


def _of_cases(f: Filters) -> Q:
    """A row of a case's (its timeline, its return visits) in the scope, as a join on its case: the
    period's rows are found by their day's index and their case read by its key, for every scope —
    never a list of the scope's cases built first (a person's are found along three indexes, two of
    which the planner may take for unselective, and then reads every case)."""
    q = Q(case__bureau_id__in=f.bureau_ids)
    if f.township is not None:
        q &= Q(case__township=f.township)
    if f.staff is not None:
        q &= Q(case__owner=f.staff) | Q(case__raised_by=f.staff) | Q(case__via_card_of=f.staff)
    elif f.department is not None:
        q &= Q(case__department=f.department)
    return q


def cases_raised(f: Filters):
    return _cases(f).filter(raised_on__gte=f.start, raised_on__lte=f.end)


def suggestions(f: Filters):
    return cases_raised(f).filter(ask_kind=AskKind.SUGGESTION)


def resolutions(f: Filters):
    """Resolutions (办结) in the period, read from the timeline: a case reopened later stays resolved
    in the month it was resolved, and one resolved again counts again in that month."""
    return CaseEvent.objects.filter(kind=EventKind.RESOLVED, on__gte=f.start, on__lte=f.end).filter(
        _of_cases(f)
    )


def cases_resolved(f: Filters):
    return _cases(f).filter(pk__in=resolutions(f).values("case_id"))


def return_visits(f: Filters):
    """Return visits (回访) in the period: each one a rating."""
    return ReturnVisit.objects.filter(on__gte=f.start, on__lte=f.end).filter(_of_cases(f))


def latest_ratings(f: Filters):
    """Per case rated in the period: its latest rating as it stood at the period's end."""
    later = ReturnVisit.objects.filter(case=OuterRef("case_id"), on__lte=f.end).filter(
        Q(on__gt=OuterRef("on")) | Q(on=OuterRef("on"), id__gt=OuterRef("id"))
    )
    return return_visits(f).filter(~Exists(later))


def cases_rated(f: Filters):
    return _cases(f).filter(pk__in=return_visits(f).values("case_id"))


def deeds(f: Filters):
    rows = Deed.objects.filter(bureau_id__in=f.bureau_ids, on__gte=f.start, on__lte=f.end)
    if f.township is not None:
        rows = rows.filter(township=f.township)
    if f.staff is not None:
        rows = rows.filter(recorded_by=f.staff)
    elif f.department is not None:
        rows = rows.filter(department=f.department)
    return rows


RECORDS = {
    "meetings": meetings,
    "household_visits": household_visits,
    "ledger_books": ledger_books,
    "suggestions": suggestions,
    "cases": cases_raised,
    "resolved": cases_resolved,
    "rated": cases_rated,
    "deeds": deeds,
}


def _percent(part, whole):
    return None if not whole else round(100 * part / whole, 1)


def _months(f: Filters) -> list[str]:
    months, day = [], f.start.replace(day=1)
    while day <= f.end:
        months.append(day.strftime("%Y-%m"))
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return months


class MonthKey(Func):
    """A date's month, worked out by the database itself: "YYYY-MM" on SQLite, the month's first day
    on PostgreSQL (where TO_CHAR cost a third of a province's year of visit days). Only for
    _bureaus_and_months, which reads either through its own cursor: the ORM would take the date for text. (Django's TruncMonth calls a Python function for each row on SQLite: 10 ms of a
    person's dashboard went on their 5,000 visits.)"""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="SUBSTR(%(expressions)s, 1, 7)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="DATE_TRUNC('month', %(expressions)s)::date", **extra
        )


def _by_bureau_month(rows, field: str, bureau: str = "bureau_id", **counts):
    """The counts of `rows` by bureau and by month (see _bureaus_and_months), from one query."""
    grouped = rows.order_by().annotate(m=MonthKey(field)).values(bureau, "m").annotate(**counts)
    return _bureaus_and_months(grouped, bureau, "m", list(counts))


def _bureaus_and_months(grouped, bureau: str, month: str, counts: list[str]) -> list:
    """A query grouped by bureau and month, summed again in the database once by bureau and once by
    month: [(bureau_id, None, {counts})] and [(None, "YYYY-MM", {counts})]. A province's year is 100
    bureaus and 12 months: 112 rows to read rather than 1,200 (the dashboard shows the months'
    series and the bureaus' totals, never a bureau's month)."""
    sql, params = grouped.query.sql_with_params()
    q = connection.ops.quote_name
    sums = ", ".join(f"SUM({q(c)})" for c in counts)
    if connection.vendor == "postgresql":  # one pass over the groups
        sql = (
            f"SELECT {q(bureau)}, {q(month)}, {sums} FROM ({sql}) g "  # noqa: S608
            f"GROUP BY GROUPING SETS (({q(bureau)}), ({q(month)}))"
        )
    else:
        sql = (
            f"WITH g AS ({sql}) SELECT {q(bureau)}, NULL, {sums} FROM g GROUP BY {q(bureau)} "  # noqa: S608
            f"UNION ALL SELECT NULL, {q(month)}, {sums} FROM g GROUP BY {q(month)}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    out = []
    for bureau_id, month_key, *values in found:
        if isinstance(month_key, datetime.date):
            month_key = month_key.strftime("%Y-%m")
        elif isinstance(month_key, str) and len(month_key) > 7:  # a date as SQLite gives it
            month_key = month_key[:7]
        out.append((bureau_id, month_key, {c: int(v or 0) for c, v in zip(counts, values, strict=True)}))
    return out


RAISED_COUNTS = {
    "cases": Count("pk"),
    "suggestions": Count("pk", filter=Q(ask_kind=AskKind.SUGGESTION)),
    **{f"ask_{k}": Count("pk", filter=Q(ask_kind=k)) for k in AskKind.values},
    **{f"concern_{k}": Count("pk", filter=Q(concern_kind=k)) for k in ConcernKind.values},
}
RESOLVED_COUNTS = {
    "resolved": Count("pk"),
    "on_time": Count("pk", filter=Q(on__lte=F("deadline"))),
    "on_the_spot": Count("pk", filter=Q(case__resolved_on_the_spot=True)),
}


# The same counts from the tally rows (reports.models), each row counting n cases or resolutions.
TALLIED_RAISED = {
    "cases": Sum("n"),
    "suggestions": Sum("n", filter=Q(ask_kind=AskKind.SUGGESTION)),
    **{f"ask_{k}": Sum("n", filter=Q(ask_kind=k)) for k in AskKind.values},
    **{f"concern_{k}": Sum("n", filter=Q(concern_kind=k)) for k in ConcernKind.values},
}
TALLIED_RESOLVED = {
    "resolved": Sum("n"),
    "on_time": Sum("n", filter=Q(on_time=True)),
    "on_the_spot": Sum("n", filter=Q(on_the_spot=True)),
}


# A handling mode as the dashboard groups cases by it: its code, its name in simplified Chinese (the
# language the view translates names from) and its order, read through the row's mode.
MODE_NAME = "mode__" + build_localized_fieldname("name", DEFAULT_LANGUAGE)
MODE_KEY = ("mode__code", MODE_NAME, "mode__order")


def _tallies(f: Filters, first: datetime.date, last: datetime.date):
    """The tally rows (cases, resolutions) of the scope's whole months first..last: the bureau-wide
    ones, or the scoped ones of the person, the department, or every department (a township of the
    bureau: each case counts once under its department), narrowed to the township if one is asked."""
    # Rows counting nothing (their cases moved or deleted) leave no trace, as no row would.
    where = Q(bureau_id__in=f.bureau_ids, month__gte=first, month__lte=last) & ~Q(n=0)
    if not f.scoped:
        return CaseTally.objects.filter(where), ResolutionTally.objects.filter(where)
    if f.staff is not None:
        where &= Q(dim=ScopeDim.PERSON, ref_id=f.staff.pk)
    elif f.department is not None:
        where &= Q(dim=ScopeDim.DEPARTMENT, ref_id=f.department.pk)
    else:
        where &= Q(dim=ScopeDim.DEPARTMENT)
    if f.township is not None:
        where &= Q(township_id=f.township.pk)
    return ScopeCaseTally.objects.filter(where), ScopeResolutionTally.objects.filter(where)


def _tallied(f: Filters, today: datetime.date):
    """Figures of cases raised and resolved, and cases by mode and present state, read from the
    tallies kept on write (reports.models) for the period's whole months and counted from the rows
    only for the days at its edges: the same groups as the rows would give, for any scope. For a
    period that ended before `today`, the cases by mode are by their state as it stood at its end."""
    first, last, edges = split_months(f.start, f.end)
    raised_rows, resolved_rows = [], []
    # Cases by mode and state (the mode's code, name and order: a province has a mode of each kind per
    # bureau, read through the join, a few dozen groups): the whole months' tallies, the days at the
    # period's edges, the cases moved since.
    modes: dict[tuple, int] = {}
    if first is not None:
        tallies, resolution_tallies = _tallies(f, first, last)
        # Summed in the database by bureau and by month (and to the mode and state), a few rows per
        # bureau and month whatever the number of kinds, modes and states the tallies keep apart.
        raised_rows = _bureaus_and_months(
            tallies.order_by().values("bureau_id", "month").annotate(**TALLIED_RAISED),
            "bureau_id",
            "month",
            list(RAISED_COUNTS),
        )
        for *key, n in tallies.order_by().values_list(*MODE_KEY, "state").annotate(total=Sum("n")):
            modes[tuple(key)] = modes.get(tuple(key), 0) + (n or 0)
        resolved_rows = _bureaus_and_months(
            resolution_tallies.order_by().values("bureau_id", "month").annotate(**TALLIED_RESOLVED),
            "bureau_id",
            "month",
            list(RESOLVED_COUNTS),
        )
    for start, end in edges:
        part = dataclasses.replace(f, start=start, end=end)
        raised_rows += _by_bureau_month(cases_raised(part), "raised_on", **RAISED_COUNTS)
        resolved_rows += _by_bureau_month(resolutions(part), "on", "case__bureau_id", **RESOLVED_COUNTS)
        for *key, n in cases_raised(part).order_by().values_list(*MODE_KEY, "state").annotate(n=Count("pk")):
            modes[tuple(key)] = modes.get(tuple(key), 0) + n
    if f.end < today:
        _as_they_stood(f, modes)
    mode_state = [
        {"mode__code": code, "mode__name": name, "mode__order": order, "state_then": state, "n": n}
        for (code, name, order, state), n in modes.items()
        if n
    ]
    return raised_rows, resolved_rows, mode_state


def _as_they_stood(f: Filters, modes: dict) -> None:
    """Cases by mode and present state (`modes`, keyed by the mode's MODE_KEY and the state) turned into
    cases by mode and state at the end of a past period: a case with no step after that day stood then
    as it stands now; only the cases with a step since are moved from their present state to the state
    their timeline gives (none, for a period that ended yesterday and a quiet day since)."""
    moved = cases_raised(f).filter(pk__in=CaseEvent.objects.filter(on__gt=f.end).values("case_id")).order_by()
    now = list(moved.values_list(*MODE_KEY, "state").annotate(n=Count("pk")))
    if not now:  # no case of the scope has a step since: the timeline is not even asked
        return
    for *key, n in now:
        modes[tuple(key)] = modes.get(tuple(key), 0) - n
    state_then, step_then = state_on(f.end)
    then = moved.annotate(step_then=step_then).annotate(state_then=state_then)
    for *key, n in then.values_list(*MODE_KEY, "state_then").annotate(n=Count("pk")):
        modes[tuple(key)] = modes.get(tuple(key), 0) + n


# The month-by-month series (trends), and the counts kept per bureau (the dashboard's table of the
# bureaus below the one shown).
SERIES = ("household_visits", "meetings", "cases", "resolved")
BUREAU_KEYS = frozenset(
    ("meetings", "household_visits", "ledger_books", "suggestions", "cases", "resolved", "on_time")
)


def compute(f: Filters, *, today: datetime.date | None = None, rollups: bool = True) -> dict:
    """Figures, month-by-month trends and per-bureau figures from a few grouped queries (each table
    read once, grouped by bureau and month); the totals are sums of those groups.

    Cases raised and resolved come from the tallies kept on write (bureau-wide, or a department's,
    township's or person's), and so do the cases by mode and state (at the period's end: the present
    state, and for a past period that of the cases with a step since read from their timeline): the
    dashboard of a year reads a few hundred rows, not the year's cases.
    `rollups=False` counts everything from the rows (what the tests compare the tallies with)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    tallied = _tallied(f, today) if rollups else None
    if f.scoped:
        visit_rows = _by_bureau_month(household_visits(f), "on", n=Count("pk"))
    else:  # bureau-wide: the day counts kept with each visit, not every 户次
        days = VisitDay.objects.filter(bureau_id__in=f.bureau_ids, on__gte=f.start, on__lte=f.end)
        visit_rows = _by_bureau_month(days, "on", n=Sum("household_visits"))
    meeting_rows = _by_bureau_month(meetings(f), "on", n=Count("pk"))
    book_rows = _by_bureau_month(ledger_books(f), "opened_on", n=Count("pk"))
    mode_state = None
    if tallied is not None:
        raised_rows, resolved_rows, mode_state = tallied
    else:
        raised_rows = _by_bureau_month(cases_raised(f), "raised_on", **RAISED_COUNTS)
        resolved_rows = _by_bureau_month(resolutions(f), "on", "case__bureau_id", **RESOLVED_COUNTS)
    ratings = {k: Count("pk", filter=Q(satisfaction=k)) for k in Satisfaction.values}
    # Satisfaction two ways, both named: per return visit (every rating counts), and per case (the
    # latest rating of each case rated in the period). A dissatisfied visit later put right still
    # counts per return visit; per case only the latest rating counts.
    rated = return_visits(f).aggregate(rated=Count("pk"), **ratings)
    per_case = latest_ratings(f).aggregate(cases_rated=Count("pk"), **ratings)
    # By state as the cases stood at the period's end.
    if mode_state is None:
        state_then, step_then = state_on(f.end)
        mode_state = list(
            cases_raised(f)
            .order_by()
            .annotate(step_then=step_then)
            .annotate(state_then=state_then)
            .values_list(*MODE_KEY, "state_then")
            .annotate(n=Count("pk"))
        )
        mode_state = [
            {"mode__code": code, "mode__name": name, "mode__order": order, "state_then": state, "n": n}
            for code, name, order, state, n in mode_state
        ]
    deed_rows = list(
        deeds(f)
        .values("kind__code", "kind__name", "unit", "kind__vehicle__name")
        .annotate(quantity=Sum("quantity"), n=Count("pk"))
        .order_by("kind__order", "kind__name")
    )
    months = _months(f)
    totals, per_month, per_bureau = {}, {m: {} for m in months}, {}
    # Every count is totalled; the month-by-month series and the per-bureau figures (the dashboard's
    # table of the bureaus below) keep only the counts they show.
    for name, rows in (
        ("household_visits", visit_rows),
        ("meetings", meeting_rows),
        ("ledger_books", book_rows),
        ("raised", raised_rows),
        ("resolved", resolved_rows),
    ):
        # Each count comes twice, by bureau and by month (_bureaus_and_months): totalled once.
        for bureau_id, month, counts in rows:
            counts = {name: counts["n"]} if "n" in counts else counts
            if month is None:
                bureau_row = per_bureau.setdefault(bureau_id, {})
                for key, value in counts.items():
                    if value and key in BUREAU_KEYS:
                        bureau_row[key] = bureau_row.get(key, 0) + value
                continue
            month_row = per_month.setdefault(month, {})
            for key, value in counts.items():
                if not value:
                    continue
                totals[key] = totals.get(key, 0) + value
                if key in SERIES:
                    month_row[key] = month_row.get(key, 0) + value
    keys = [
        "household_visits",
        "meetings",
        "ledger_books",
        "cases",
        "suggestions",
        "resolved",
        "on_time",
        "on_the_spot",
    ]
    keys += [f"ask_{k}" for k in AskKind.values] + [f"concern_{k}" for k in ConcernKind.values]
    figures = {key: totals.get(key, 0) for key in keys} | rated
    figures["on_time_percent"] = _percent(figures["on_time"], figures["resolved"])
    figures["satisfied_percent"] = _percent(rated["satisfied"] + rated["basic"], rated["rated"])
    figures["cases_rated"] = per_case["cases_rated"]
    figures["case_ratings"] = {k: per_case[k] for k in Satisfaction.values}
    figures["case_satisfied_percent"] = _percent(
        per_case["satisfied"] + per_case["basic"], per_case["cases_rated"]
    )
    modes = {}
    for row in mode_state:
        entry = modes.setdefault(
            row["mode__code"],
            {
                "mode__code": row["mode__code"],
                "mode__name": row["mode__name"],
                "order": row["mode__order"],
                "n": 0,
            },
        )
        entry["n"] += row["n"]
    figures["by_mode"] = sorted(modes.values(), key=lambda m: (m["order"], m["mode__code"]))
    figures["by_state"] = {}
    for row in mode_state:
        state = row["state_then"]
        figures["by_state"][state] = figures["by_state"].get(state, 0) + row["n"]
    figures["deeds"] = deed_rows
    trend = {
        "months": months,
        "series": {k: [per_month.get(m, {}).get(k, 0) for m in months] for k in SERIES},
    }
    return {"figures": figures, "trends": trend, "by_bureau": per_bureau}


def figures(f: Filters) -> dict:
    return compute(f)["figures"]


def trends(f: Filters) -> dict:
    return compute(f)["trends"]

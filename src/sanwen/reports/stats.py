"""Campaign statistics for any period and scope (a bureau with its descendants, or one department,
township or staff member of a bureau): every figure is a queryset of the records behind it, counted
in the database; a dashboard is a bounded number of queries whatever the size of the data."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from sanwen.cases.models import CLOSED_STATES, AskKind, Case, ConcernKind, Deed, Satisfaction, State
from sanwen.fieldwork.models import LedgerBook, Meeting, VisitHousehold, VisitStaff


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
    if f.staff is not None:
        rows = rows.filter(
            Exists(Meeting.staff.through.objects.filter(meeting=OuterRef("pk"), staff=f.staff))
        )
    elif f.department is not None:
        rows = rows.filter(
            Exists(
                Meeting.staff.through.objects.filter(meeting=OuterRef("pk"), staff__department=f.department)
            )
        )
    return rows


def household_visits(f: Filters):
    """户次: one per household per visit."""
    rows = VisitHousehold.objects.filter(bureau_id__in=f.bureau_ids, on__gte=f.start, on__lte=f.end)
    if f.township is not None:
        rows = rows.filter(household__township=f.township)
    if f.staff is not None:
        rows = rows.filter(Exists(VisitStaff.objects.filter(visit=OuterRef("visit"), staff=f.staff)))
    elif f.department is not None:
        rows = rows.filter(
            Exists(VisitStaff.objects.filter(visit=OuterRef("visit"), staff__department=f.department))
        )
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


def _cases(f: Filters):
    rows = Case.objects.filter(bureau_id__in=f.bureau_ids).exclude(state=State.MERGED)
    if f.township is not None:
        rows = rows.filter(township=f.township)
    if f.staff is not None:
        rows = rows.filter(Q(owner=f.staff) | Q(raised_by=f.staff))
    elif f.department is not None:
        rows = rows.filter(department=f.department)
    return rows


def cases_raised(f: Filters):
    return _cases(f).filter(raised_on__gte=f.start, raised_on__lte=f.end)


def suggestions(f: Filters):
    return cases_raised(f).filter(ask_kind=AskKind.SUGGESTION)


def cases_resolved(f: Filters):
    return _cases(f).filter(resolved_on__gte=f.start, resolved_on__lte=f.end, state__in=CLOSED_STATES)


def cases_rated(f: Filters):
    return _cases(f).filter(visited_on__gte=f.start, visited_on__lte=f.end).exclude(satisfaction="")


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


def figures(f: Filters) -> dict:
    """The dashboard's numbers (one query each, grouped where a table is shown)."""
    raised = cases_raised(f)
    out = {
        "meetings": meetings(f).count(),
        "household_visits": household_visits(f).count(),
        "ledger_books": ledger_books(f).count(),
    }
    totals = raised.aggregate(
        cases=Count("pk"),
        suggestions=Count("pk", filter=Q(ask_kind=AskKind.SUGGESTION)),
        **{f"ask_{k}": Count("pk", filter=Q(ask_kind=k)) for k in AskKind.values},
        **{f"concern_{k}": Count("pk", filter=Q(concern_kind=k)) for k in ConcernKind.values},
    )
    out |= totals
    out["by_mode"] = list(
        raised.values("mode__code", "mode__name")
        .annotate(n=Count("pk"))
        .order_by("mode__order", "mode__code")
    )
    out["by_state"] = {
        row["state"]: row["n"] for row in raised.values("state").annotate(n=Count("pk")).order_by()
    }
    resolved = cases_resolved(f).aggregate(
        resolved=Count("pk"),
        on_time=Count("pk", filter=Q(resolved_on__lte=F("deadline"))),
        on_the_spot=Count("pk", filter=Q(resolved_on_the_spot=True)),
    )
    out |= resolved
    out["on_time_percent"] = _percent(resolved["on_time"], resolved["resolved"])
    rated = cases_rated(f).aggregate(
        rated=Count("pk"),
        **{k: Count("pk", filter=Q(satisfaction=k)) for k in Satisfaction.values},
    )
    out |= rated
    out["satisfied_percent"] = _percent(rated["satisfied"] + rated["basic"], rated["rated"])
    out["deeds"] = list(
        deeds(f)
        .values("kind__code", "kind__name", "unit", "kind__vehicle__name")
        .annotate(quantity=Sum("quantity"), n=Count("pk"))
        .order_by("kind__order", "kind__name")
    )
    return out


def trends(f: Filters) -> dict:
    """Month by month: meetings, household visits, cases raised, cases resolved, suggestions."""

    def by_month(rows, field):
        return {
            row["m"].strftime("%Y-%m"): row["n"]
            for row in rows.annotate(m=TruncMonth(field)).values("m").annotate(n=Count("pk")).order_by("m")
            if row["m"]
        }

    series = {
        "household_visits": by_month(household_visits(f), "on"),
        "meetings": by_month(meetings(f), "on"),
        "cases": by_month(cases_raised(f), "raised_on"),
        "resolved": by_month(cases_resolved(f), "resolved_on"),
    }
    months, day = [], f.start.replace(day=1)
    while day <= f.end:
        months.append(day.strftime("%Y-%m"))
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return {"months": months, "series": {k: [v.get(m, 0) for m in months] for k, v in series.items()}}


def by_bureau(f: Filters) -> dict:
    """The key figures grouped by bureau (for a parent bureau's table of its children)."""

    def grouped(rows):
        return {r["bureau_id"]: r["n"] for r in rows.order_by().values("bureau_id").annotate(n=Count("pk"))}

    resolved = {
        r["bureau_id"]: r
        for r in cases_resolved(f)
        .order_by()
        .values("bureau_id")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(resolved_on__lte=F("deadline"))))
    }
    return {
        "meetings": grouped(meetings(f)),
        "household_visits": grouped(household_visits(f)),
        "ledger_books": grouped(ledger_books(f)),
        "suggestions": grouped(suggestions(f)),
        "cases": grouped(cases_raised(f)),
        "resolved": {k: v["n"] for k, v in resolved.items()},
        "on_time": {k: v["on_time"] for k, v in resolved.items()},
    }

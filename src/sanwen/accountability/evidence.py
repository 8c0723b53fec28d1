"""The evidence of an annual assessment, drawn from the records of the staff member's year: on-site
days against the quota month by month, visits, cases handled and on time, satisfaction (per return
visit and per case), commitments, deeds, substantiated violations and the year's six zeros, as the
records stood at the year's end (or today while it runs). Stored with the assessment (as JSON), so
what the assessors saw stays with it once it is final."""

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from sanwen.accountability.models import Commitment, CommitmentState, ReportState, ViolationReport
from sanwen.accountability.scorecard import CODES, Period, Scope, card, commitments_lapsed, open_on
from sanwen.cases.models import Case, CaseEvent, Deed, EventKind, ReturnVisit, Satisfaction
from sanwen.fieldwork.models import VisitHousehold, VisitStaff
from sanwen.fieldwork.quota import quota_rows


def assessment_evidence(staff, year: int, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    months = []
    for month in range(1, 13):
        first = datetime.date(year, month, 1)
        if first > today:
            break
        row = quota_rows(bureau_ids=[staff.bureau_id], month=first).filter(pk=staff.pk).first()
        if row is not None:
            months.append(
                {
                    "month": f"{year}-{month:02d}",
                    "required": row.required,
                    "achieved": row.achieved,
                    "leave": row.leave_days,
                }
            )
    visits = VisitStaff.objects.filter(staff=staff, visit__on__gte=start, visit__on__lte=end).aggregate(
        visits=Count("visit", distinct=True)
    )["visits"]
    household_visits = VisitHousehold.objects.filter(
        visit__staff_links__staff=staff, on__gte=start, on__lte=end
    ).count()
    cutoff = min(end, today)
    # Read from the timeline as it stood (sanwen.accountability.scorecard): a case resolved in the
    # year stays resolved there if it is reopened later; ratings count on the day they were given.
    own = Case.objects.filter(owner=staff).values("pk")
    resolutions = CaseEvent.objects.filter(
        kind=EventKind.RESOLVED, on__gte=start, on__lte=cutoff, case__in=own
    ).aggregate(resolved=Count("pk"), on_time=Count("pk", filter=Q(on__lte=F("deadline"))))
    ratings = {k: Count("pk", filter=Q(satisfaction=k)) for k in Satisfaction.values}
    visits_rated = ReturnVisit.objects.filter(on__gte=start, on__lte=cutoff, case__in=own)
    per_visit = visits_rated.aggregate(return_visits=Count("pk"), **ratings)
    later = ReturnVisit.objects.filter(case=OuterRef("case_id"), on__lte=cutoff).filter(
        Q(on__gt=OuterRef("on")) | Q(on=OuterRef("on"), id__gt=OuterRef("id"))
    )
    per_case = visits_rated.filter(~Exists(later)).aggregate(rated=Count("pk"), **ratings)
    cases = {
        **resolutions,
        # Satisfaction per return visit (every rating) — the figures shown as satisfied / basic /
        # dissatisfied — and per case (each case's latest rating in the year), both named.
        **per_visit,
        "per_case": per_case,
        "reopened": CaseEvent.objects.filter(
            kind=EventKind.REOPENED, on__gte=start, on__lte=cutoff, case__in=own
        ).count(),
        "open": open_on(Case.objects.filter(owner=staff), cutoff).count(),
    }
    # Items clients raised on the portal through the person's visit card count as their contacts.
    cases["card_items"] = Case.objects.filter(
        via_card_of=staff, raised_on__gte=start, raised_on__lte=end
    ).count()
    # Commitments due in the year, as they stood at its end (a judgement after it does not count).
    judged = Q(closed_on__isnull=True) | Q(closed_on__lte=cutoff)
    commitments = Commitment.objects.filter(staff=staff, due_on__gte=start, due_on__lte=end).aggregate(
        total=Count("pk"),
        **{
            state: Count("pk", filter=Q(state=state) & judged)
            for state in CommitmentState.values
            if state != CommitmentState.OPEN
        },
        open=Count("pk", filter=Q(state=CommitmentState.OPEN) | ~judged),
    )
    commitments["past_due"] = commitments_lapsed(
        Scope(bureau=staff.bureau, staff=staff, bureau_ids=[staff.bureau_id]), Period.parse(str(year)), today
    ).count()
    deeds = [
        {"kind": d["kind__name"], "unit": d["unit"], "quantity": float(d["total"]), "count": d["n"]}
        for d in Deed.objects.filter(recorded_by=staff, on__gte=start, on__lte=end)
        .values("kind__name", "unit")
        .annotate(total=Sum("quantity"), n=Count("pk"))
        .order_by("kind__name")
    ]
    violations = list(
        ViolationReport.objects.filter(
            accused=staff, state=ReportState.SUBSTANTIATED, concluded_on__gte=start, concluded_on__lte=end
        )
        .order_by("concluded_on")
        .values_list("concluded_on", "prohibition__name")
    )
    zeros = card(
        Scope(bureau=staff.bureau, staff=staff, bureau_ids=[staff.bureau_id]), Period.parse(str(year)), today
    )
    return {
        "year": year,
        "quota_months": months,
        "months_short": sum(
            1 for m in months if m["achieved"] < m["required"] and m["month"] < f"{today:%Y-%m}"
        ),
        "visits": visits,
        "household_visits": household_visits,
        "cases": cases,
        "commitments": commitments,
        "deeds": deeds,
        "violations": [{"on": on.isoformat(), "prohibition": name} for on, name in violations],
        "six_zeros": {code: cells[0].get("n", 0) for code, _n, _d, cells in zeros.figures if code in CODES},
        "coverage": next(
            cells[0].get("coverage") for code, _n, _d, cells in zeros.figures if code == "distance"
        ),
    }

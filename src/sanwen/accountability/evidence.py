"""The evidence of an annual assessment, drawn from the records of the staff member's year: on-site
days against the quota month by month, visits, cases handled and on time, satisfaction, commitments,
deeds, substantiated violations and the year's six zeros. Stored with the assessment (as JSON), so
what the assessors saw stays with it once it is final."""

import datetime

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from sanwen.accountability.models import Commitment, CommitmentState, ReportState, ViolationReport
from sanwen.accountability.scorecard import CODES, Period, Scope, card
from sanwen.cases.models import CLOSED_STATES, Case, Deed, Satisfaction
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
    handled = Case.objects.filter(
        owner=staff, resolved_on__gte=start, resolved_on__lte=end, state__in=CLOSED_STATES
    )
    cases = handled.aggregate(
        resolved=Count("pk"),
        on_time=Count("pk", filter=Q(resolved_on__lte=F("deadline"))),
        satisfied=Count("pk", filter=Q(satisfaction=Satisfaction.SATISFIED)),
        basic=Count("pk", filter=Q(satisfaction=Satisfaction.BASIC)),
        dissatisfied=Count("pk", filter=Q(satisfaction=Satisfaction.DISSATISFIED)),
        reopened=Count("pk", filter=Q(reopened__gt=0)),
    )
    cases["open"] = Case.objects.filter(owner=staff).open().count()
    # Items clients raised on the portal through the person's visit card count as their contacts.
    cases["card_items"] = Case.objects.filter(
        via_card_of=staff, raised_on__gte=start, raised_on__lte=end
    ).count()
    commitments = Commitment.objects.filter(staff=staff, due_on__gte=start, due_on__lte=end).aggregate(
        total=Count("pk"), **{state: Count("pk", filter=Q(state=state)) for state in CommitmentState.values}
    )
    commitments["past_due"] = Commitment.objects.filter(
        staff=staff,
        due_on__gte=start,
        due_on__lte=min(end, today - datetime.timedelta(days=1)),
        state=CommitmentState.OPEN,
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

"""Quota compliance (到点天数): each person's on-site days in a month against their rank's quota, less
the working days of approved leave, never below zero. One SQL query for any number of staff."""

import datetime

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from sanwen.campaigns.models import RankQuota
from sanwen.fieldwork.models import FieldDay, LeaveMonth, month_end, month_start
from sanwen.org.models import Staff


def quota_rows(*, bureau_ids, month: datetime.date, department_id: int | None = None):
    """Active staff with a quota in the month, annotated with base (the rank's quota), leave_days,
    required, achieved (distinct dates with a field day) and shortfall."""
    first, last = month_start(month), month_end(month)
    achieved = (
        FieldDay.objects.filter(staff=OuterRef("pk"), on__gte=first, on__lte=last)
        .order_by()
        .values("staff")
        .annotate(n=Count("on", distinct=True))
        .values("n")
    )
    # Only approved leave has month rows (withdrawing removes them).
    leave = (
        LeaveMonth.objects.filter(staff=OuterRef("pk"), month=first)
        .order_by()
        .values("staff")
        .annotate(n=Sum("working_days"))
        .values("n")
    )
    base = (
        RankQuota.objects.filter(
            rank=OuterRef("rank"),
            campaign__bureau=OuterRef("bureau"),
            campaign__active=True,
            campaign__start__lte=last,
        )
        .filter(Q(campaign__end__isnull=True) | Q(campaign__end__gte=first))
        .order_by("-campaign__start")
        .values("days_per_month")[:1]
    )
    rows = Staff.objects.filter(bureau_id__in=list(bureau_ids), is_active=True)
    if department_id:
        rows = rows.filter(department_id=department_id)
    zero = Value(0, output_field=IntegerField())
    return (
        rows.annotate(
            base=Subquery(base, output_field=IntegerField()),
            achieved=Coalesce(Subquery(achieved, output_field=IntegerField()), zero),
            leave_days=Coalesce(Subquery(leave, output_field=IntegerField()), zero),
        )
        .filter(base__isnull=False)
        .annotate(required=Greatest(F("base") - F("leave_days"), zero))
        .annotate(shortfall=Greatest(F("required") - F("achieved"), zero))
    )


def quota_totals(rows) -> dict:
    """Totals over quota_rows, in the database: staff, required, achieved, how many fall short."""
    totals = rows.aggregate(
        staff=Count("pk"),
        required_days=Coalesce(Sum("required"), 0),
        achieved_days=Coalesce(Sum("achieved"), 0),
        short=Count("pk", filter=Q(shortfall__gt=0)),
        shortfall_days=Coalesce(Sum("shortfall"), 0),
    )
    totals["met"] = totals["staff"] - totals["short"]
    return totals


def quota_by_department(rows):
    """One row per department: staff, required and achieved days, how many fall short."""
    return (
        rows.order_by()
        .values("department_id", "department__name", "department__order")
        .annotate(
            staff=Count("pk"),
            required_days=Sum("required"),
            achieved_days=Sum("achieved"),
            short=Count("pk", filter=Q(shortfall__gt=0)),
        )
        .order_by("department__order", "department__name")
    )


def my_progress(user, today: datetime.date) -> dict | None:
    """The person's own month so far, for their home page."""
    row = quota_rows(bureau_ids=[user.bureau_id], month=today).filter(pk=user.pk).first()
    if row is None:
        return None
    remaining_days = (month_end(today) - today).days + 1  # today still counts
    return {
        "required": row.required,
        "achieved": row.achieved,
        "leave_days": row.leave_days,
        "base": row.base,
        "still_needed": max(row.required - row.achieved, 0),
        "days_left": remaining_days,
        "percent": 100 if row.required == 0 else min(100, round(100 * row.achieved / row.required)),
        "at_risk": row.required - row.achieved > remaining_days,
    }

"""Quota compliance (到点天数): each person's on-site days in a month against their rank's quota, less
the working days of approved leave, never below zero. One SQL query for any number of staff."""

import datetime

from django.db import connection
from django.db.models import Count, F, FilteredRelation, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from sanwen.core.permissions import Role
from sanwen.fieldwork.models import LeaveMonth, month_end, month_start
from sanwen.org.models import Department, Staff


def quota_rows(*, bureau_ids, month: datetime.date, department_id: int | None = None):
    """Active staff with a quota in the month, annotated with base (the rank's quota in the bureau's
    campaign running that month), leave_days, required, achieved (distinct dates with a field day) and
    shortfall. One query, grouped by person; field days are joined for the month only."""
    first, last = month_start(month), month_end(month)
    # Only approved leave has month rows (withdrawing removes them).
    leave = (
        LeaveMonth.objects.filter(staff=OuterRef("pk"), month=first)
        .order_by()
        .values("staff")
        .annotate(n=Sum("working_days"))
        .values("n")
    )
    # Administrators run the platform; the quota is for the cadres who go out.
    rows = Staff.objects.filter(bureau_id__in=list(bureau_ids), is_active=True).exclude(role=Role.ADMIN)
    if department_id:
        rows = rows.filter(department_id=department_id)
    zero = Value(0, output_field=IntegerField())
    return (
        rows.filter(
            Q(bureau__campaign__end__isnull=True) | Q(bureau__campaign__end__gte=first),
            bureau__campaign__active=True,
            bureau__campaign__start__lte=last,
            bureau__campaign__quotas__rank=F("rank"),
        )
        .annotate(
            month_days=FilteredRelation(
                "field_days", condition=Q(field_days__on__gte=first, field_days__on__lte=last)
            )
        )
        .annotate(
            base=Max("bureau__campaign__quotas__days_per_month"),
            achieved=Count("month_days__on", distinct=True),
            leave_days=Coalesce(Subquery(leave, output_field=IntegerField()), zero),
        )
        .annotate(required=Greatest(F("base") - F("leave_days"), zero))
        .annotate(shortfall=Greatest(F("required") - F("achieved"), zero))
        .order_by()
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


def quota_by_department(rows) -> list[dict]:
    """One row per department: staff, required and achieved days, how many fall short — grouped in the
    database over the per-person rows (which are themselves grouped, hence the outer query)."""
    inner, params = rows.values("department_id", "required", "achieved", "shortfall").query.sql_with_params()
    sql = (
        "SELECT q.department_id, d.name, COUNT(*), SUM(q.required), SUM(q.achieved), "  # noqa: S608
        "SUM(CASE WHEN q.shortfall > 0 THEN 1 ELSE 0 END) "
        f"FROM ({inner}) q LEFT JOIN {Department._meta.db_table} d ON d.id = q.department_id "
        'GROUP BY q.department_id, d.name, d."order" ORDER BY d."order", d.name'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = ("department_id", "department__name", "staff", "required_days", "achieved_days", "short")
        return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


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

"""Quota compliance (到点天数): each person's on-site days in a month against their rank's quota, less
the working days of approved leave, never below zero. One SQL query for any number of staff; its
totals and department subtotals one more (quota_summary), and the totals of several months one in
all (quota_totals_by_month)."""

import datetime

from django.db import connection
from django.db.models import F, FilteredRelation, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.models.query import ModelIterable

from sanwen.core.access import Role
from sanwen.core.params import as_date
from sanwen.fieldwork.models import FieldMonth, LeaveMonth, month_end, month_start
from sanwen.org.models import Department, Staff


class QuotaIterable(ModelIterable):
    """Rows of quota_rows carry their shortfall (required − achieved, ≥ 0), worked out from the two
    figures the row already has rather than by a second evaluation of the field-day count in SQL."""

    def __iter__(self):
        for row in super().__iter__():
            row.shortfall = max(row.required - row.achieved, 0)
            yield row


def quota_rows(*, bureau_ids, month: datetime.date, department_id: int | None = None):
    """Active staff with a quota in the month, annotated with base (the rank's quota in the bureau's
    campaign running that month), leave_days, required and achieved (distinct dates with a field day);
    each row also has its shortfall. One query for any number of staff: each person's field days of
    the month (FieldMonth, joined) and leave (looked up on (staff, month)), without grouping the staff
    rows."""
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
    rows = (
        rows.annotate(month_days=FilteredRelation("field_months", condition=Q(field_months__month=first)))
        .filter(
            Q(bureau__campaign__end__isnull=True) | Q(bureau__campaign__end__gte=first),
            bureau__campaign__active=True,
            bureau__campaign__start__lte=last,
            bureau__campaign__quotas__rank=F("rank"),
        )
        .annotate(
            base=F("bureau__campaign__quotas__days_per_month"),
            # The month's field days as the triggers keep them counted, joined (one row per person
            # and month): a hash join on PostgreSQL rather than a lookup per person.
            achieved=Coalesce(F("month_days__days"), zero),
            leave_days=Coalesce(Subquery(leave, output_field=IntegerField()), zero),
        )
        .annotate(required=Greatest(F("base") - F("leave_days"), zero))
        .order_by()
    )
    rows._iterable_class = QuotaIterable
    return rows


def short_only(rows):
    """The rows of quota_rows that fall short of their quota."""
    return rows.filter(achieved__lt=F("required"))


def _per_person(rows) -> tuple[str, list]:
    """The SQL of the per-person rows (department, required and achieved days), to be read as a
    derived table `q` so that each person's counts are evaluated once."""
    return rows.values("department_id", "required", "achieved").query.sql_with_params()


SHORT = "CASE WHEN q.achieved < q.required THEN 1 ELSE 0 END"
SHORT_DAYS = "CASE WHEN q.achieved < q.required THEN q.required - q.achieved ELSE 0 END"


TOTALS = (
    f"COUNT(*), COALESCE(SUM(q.required), 0), COALESCE(SUM(q.achieved), 0), "
    f"COALESCE(SUM({SHORT}), 0), COALESCE(SUM({SHORT_DAYS}), 0)"
)


def quota_totals(rows) -> dict:
    """Totals over quota_rows, in the database: staff, required, achieved, how many fall short."""
    inner, params = _per_person(rows)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {TOTALS} FROM ({inner}) q", params)  # noqa: S608 (fixed fragments)
        return _totals(*cursor.fetchone())


def quota_totals_by_month(
    *, bureau_ids, months: list[datetime.date], department_id: int | None = None, staff_id: int | None = None
) -> dict:
    """{month: quota_totals} for several months in one statement: the people (as quota_rows has them)
    in each month under its campaign's rule, with their field days and leave, summed per month; the
    same figures as quota_totals(quota_rows(...)) month by month (a test compares them), read in one
    pass instead of one per month, and in time that grows with the person-months that have field days
    or leave rather than with every person times every month."""
    if not months:
        return {}
    from sanwen.campaigns.models import Campaign, RankQuota

    values = ", ".join(["(%s, %s)"] * len(months))
    params: list = [day for month in months for day in (month_start(month), month_end(month))]
    people = 'p.bureau_id IN ({}) AND p.is_active AND p."role" <> %s'.format(
        ", ".join(["%s"] * len(bureau_ids))
    )
    people_params = [*bureau_ids, Role.ADMIN.value]
    if department_id:
        people += " AND p.department_id = %s"
        people_params.append(department_id)
    if staff_id:
        people += " AND p.id = %s"
        people_params.append(staff_id)
    # Each (person, month) counts as if the person had no field days and no leave (their rank's quota
    # required, none achieved, short by all of it), summed per bureau and rank (a few hundred groups,
    # not a province's 60,000 person-months); then the person-months that do have field days or leave
    # (`k`, with their person's bureau and rank: `kp`) add the difference between their real row and
    # that default. The same figures as the person-by-month rows (a test compares them).
    fm, lm = FieldMonth._meta.db_table, LeaveMonth._meta.db_table
    sql = (
        f"WITH m (first, last) AS (VALUES {values}), "  # noqa: S608 (fixed fragments; values are parameters)
        f'p AS (SELECT p.id, p.bureau_id, p."rank" FROM {Staff._meta.db_table} p WHERE {people}), '
        f'g AS (SELECT bureau_id, "rank", COUNT(*) AS n FROM p GROUP BY bureau_id, "rank"), '
        # The rule of each bureau, rank and month (a few thousand rows): the campaign running then.
        # (days_per_month is a positive field: the quota is never below zero.)
        f'rule AS (SELECT g.bureau_id, g."rank", m.first, g.n, r.days_per_month AS quota '
        f"FROM m CROSS JOIN g JOIN {Campaign._meta.db_table} c ON c.bureau_id = g.bureau_id AND c.active "
        f'AND c."start" <= m.last AND (c."end" IS NULL OR c."end" >= m.first) '
        f'JOIN {RankQuota._meta.db_table} r ON r.campaign_id = c.id AND r."rank" = g."rank"), '
        f"l AS (SELECT staff_id, month, SUM(working_days) AS n FROM {lm} "
        f"WHERE month IN (SELECT first FROM m) GROUP BY staff_id, month), "
        f"k AS (SELECT f.staff_id, f.month, f.days, COALESCE(l.n, 0) AS leave FROM {fm} f "
        f"LEFT JOIN l ON l.staff_id = f.staff_id AND l.month = f.month WHERE f.month IN (SELECT first FROM m) "
        f"UNION ALL SELECT l.staff_id, l.month, 0, l.n FROM l WHERE NOT EXISTS (SELECT 1 FROM {fm} f "
        f"WHERE f.staff_id = l.staff_id AND f.month = l.month)), "
        # The person-months with field days or leave, with their bureau and rank (kept apart from the
        # rules so that the planner joins 18,000 rows to a person each, not people to every month).
        f'kp AS MATERIALIZED (SELECT p.bureau_id, p."rank", k.month, k.days, k.leave '
        f"FROM k JOIN p ON p.id = k.staff_id), "
        f"q AS (SELECT rule.first AS first, rule.quota AS quota, kp.days AS achieved, "
        f"CASE WHEN rule.quota > kp.leave THEN rule.quota - kp.leave ELSE 0 END AS required FROM kp "
        f'JOIN rule ON rule.bureau_id = kp.bureau_id AND rule."rank" = kp."rank" AND rule.first = kp.month) '
        f"SELECT first, SUM(staff), SUM(required), SUM(achieved), SUM(short), SUM(shortfall) FROM ("
        f"SELECT first, SUM(n) AS staff, SUM(n * quota) AS required, 0 AS achieved, "
        f"SUM(CASE WHEN quota > 0 THEN n ELSE 0 END) AS short, SUM(n * quota) AS shortfall "
        f"FROM rule GROUP BY first "
        f"UNION ALL SELECT q.first, 0, SUM(q.required - q.quota), SUM(q.achieved), "
        f"SUM({SHORT} - CASE WHEN q.quota > 0 THEN 1 ELSE 0 END), SUM({SHORT_DAYS} - q.quota) "
        f"FROM q GROUP BY q.first"
        f") t GROUP BY first"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + people_params)
        # (Sums of sums: PostgreSQL gives them as numeric; they are whole numbers of people and days.)
        found = {as_date(first): _totals(*map(int, counts)) for first, *counts in cursor.fetchall()}
    empty = _totals(0, 0, 0, 0, 0)
    return {month_start(month): found.get(month_start(month), empty) for month in months}


def _totals(staff, required, achieved, short, shortfall) -> dict:
    return {
        "staff": staff,
        "required_days": required,
        "achieved_days": achieved,
        "short": short,
        "shortfall_days": shortfall,
        "met": staff - short,
    }


def quota_summary(rows) -> tuple[dict, list[dict]]:
    """quota_totals and quota_by_department in one query: the per-person rows evaluated once (a
    materialized CTE), grouped by department and, in the same statement, totalled."""
    inner, params = _per_person(rows)
    department = Department._meta.db_table
    sql = (
        f"WITH q AS MATERIALIZED ({inner}) "  # noqa: S608 (fixed fragments; values are parameters)
        f'SELECT 0, q.department_id, d.name, d."order", {TOTALS} '
        f"FROM q LEFT JOIN {department} d ON d.id = q.department_id "
        f'GROUP BY q.department_id, d.name, d."order" '
        f"UNION ALL SELECT 1, NULL, NULL, NULL, {TOTALS} FROM q "
        "ORDER BY 1, 4, 3"  # the departments in their order (as quota_by_department), then the total
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    totals = next(_totals(*row[4:]) for row in found if row[0] == 1)
    keys = ("department_id", "department__name", "staff", "required_days", "achieved_days", "short")
    by_department = [dict(zip(keys, (*row[1:3], *row[4:8]), strict=True)) for row in found if row[0] == 0]
    return totals, by_department


def quota_by_department(rows) -> list[dict]:
    """One row per department: staff, required and achieved days, how many fall short."""
    return quota_summary(rows)[1]


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

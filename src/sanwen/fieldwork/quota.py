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
    """{month: quota_totals} for several months: the same figures as quota_totals(quota_rows(...))
    month by month (a test compares them). A bureau's or a department's are read from the bureaus'
    tallies (QuotaTally: one row per bureau, month and department), those that are out of date or
    missing worked out first (one statement for them all), so that a province's dashboard sums a few
    hundred rows instead of working out every person's month; a person's are worked out directly."""
    if not months:
        return {}
    firsts = sorted({month_start(month) for month in months})
    found = None if staff_id else _tallied(sorted(set(bureau_ids)), firsts, department_id)
    if found is None:
        found = _live_totals(bureau_ids, firsts, department_id, staff_id)
    empty = _totals(0, 0, 0, 0, 0)
    return {month_start(month): found.get(month_start(month), empty) for month in months}


def _live(bureau_ids, firsts, department_id=None, staff_id=None) -> tuple[str, list]:
    """The CTEs (ending with `totals`: month `first`, bureau_id, `department` (0 for none), staff,
    required, achieved, short, shortfall) that work out the quota figures of the people (as
    quota_rows has them) in each month under its campaign's rule, with their field days and leave:
    in time that grows with the person-months that have field days or leave rather than with every
    person times every month."""
    from sanwen.campaigns.models import Campaign, RankQuota

    values = ", ".join(["(%s, %s)"] * len(firsts))
    params: list = [day for first in firsts for day in (first, month_end(first))]
    people = 'p.bureau_id IN ({}) AND p.is_active AND p."role" <> %s'.format(
        ", ".join(["%s"] * len(bureau_ids))
    )
    params += [*bureau_ids, Role.ADMIN.value]
    if department_id:
        people += " AND p.department_id = %s"
        params.append(department_id)
    if staff_id:
        people += " AND p.id = %s"
        params.append(staff_id)
    # Each (person, month) counts as if the person had no field days and no leave (their rank's quota
    # required, none achieved, short by all of it), summed per bureau, department and rank (a few
    # thousand groups, not a province's 60,000 person-months); then the person-months that do have
    # field days or leave (`k`, with their person's bureau, department and rank: `kp`) add the
    # difference between their real row and that default. The same figures as the person-by-month
    # rows (a test compares them).
    fm, lm = FieldMonth._meta.db_table, LeaveMonth._meta.db_table
    group = 'bureau_id, department, "rank"'
    sql = (
        f"m (first, last) AS (VALUES {values}), "  # noqa: S608 (fixed fragments; values are parameters)
        f'p AS (SELECT p.id, p.bureau_id, COALESCE(p.department_id, 0) AS department, p."rank" '
        f"FROM {Staff._meta.db_table} p WHERE {people}), "
        f"g AS (SELECT {group}, COUNT(*) AS n FROM p GROUP BY {group}), "
        # The rule of each group and month: the campaign running then. (days_per_month is a positive
        # field: the quota is never below zero.)
        f'rule AS (SELECT g.bureau_id, g.department, g."rank", m.first, g.n, r.days_per_month AS quota '
        f"FROM m CROSS JOIN g JOIN {Campaign._meta.db_table} c ON c.bureau_id = g.bureau_id AND c.active "
        f'AND c."start" <= m.last AND (c."end" IS NULL OR c."end" >= m.first) '
        f'JOIN {RankQuota._meta.db_table} r ON r.campaign_id = c.id AND r."rank" = g."rank"), '
        f"l AS (SELECT staff_id, month, SUM(working_days) AS n FROM {lm} "
        f"WHERE month IN (SELECT first FROM m) GROUP BY staff_id, month), "
        f"k AS (SELECT f.staff_id, f.month, f.days, COALESCE(l.n, 0) AS leave FROM {fm} f "
        f"LEFT JOIN l ON l.staff_id = f.staff_id AND l.month = f.month WHERE f.month IN (SELECT first FROM m) "
        f"UNION ALL SELECT l.staff_id, l.month, 0, l.n FROM l WHERE NOT EXISTS (SELECT 1 FROM {fm} f "
        f"WHERE f.staff_id = l.staff_id AND f.month = l.month)), "
        # The person-months with field days or leave, with their group (kept apart from the rules so
        # that the planner joins 18,000 rows to a person each, not people to every month).
        f'kp AS MATERIALIZED (SELECT p.bureau_id, p.department, p."rank", k.month, k.days, k.leave '
        f"FROM k JOIN p ON p.id = k.staff_id), "
        f"q AS (SELECT rule.first, rule.bureau_id, rule.department, rule.quota AS quota, "
        f"kp.days AS achieved, CASE WHEN rule.quota > kp.leave THEN rule.quota - kp.leave ELSE 0 END AS required "
        f"FROM kp JOIN rule ON rule.bureau_id = kp.bureau_id AND rule.department = kp.department "
        f'AND rule."rank" = kp."rank" AND rule.first = kp.month), '
        f"totals AS (SELECT first, bureau_id, department, SUM(staff) AS staff, SUM(required) AS required, "
        f"SUM(achieved) AS achieved, SUM(short) AS short, SUM(shortfall) AS shortfall FROM ("
        f"SELECT first, bureau_id, department, SUM(n) AS staff, SUM(n * quota) AS required, 0 AS achieved, "
        f"SUM(CASE WHEN quota > 0 THEN n ELSE 0 END) AS short, SUM(n * quota) AS shortfall "
        f"FROM rule GROUP BY first, bureau_id, department "
        f"UNION ALL SELECT q.first, q.bureau_id, q.department, 0, SUM(q.required - q.quota), SUM(q.achieved), "
        f"SUM({SHORT} - CASE WHEN q.quota > 0 THEN 1 ELSE 0 END), SUM({SHORT_DAYS} - q.quota) "
        f"FROM q GROUP BY q.first, q.bureau_id, q.department"
        f") t GROUP BY first, bureau_id, department)"
    )
    return sql, params


def _by_month(rows) -> dict:
    # (Sums of sums: PostgreSQL gives them as numeric; they are whole numbers of people and days.)
    return {as_date(first): _totals(*map(int, counts)) for first, *counts in rows}


def _live_totals(bureau_ids, firsts, department_id, staff_id) -> dict:
    """{month: totals} worked out from the people, in one statement."""
    ctes, params = _live(bureau_ids, firsts, department_id, staff_id)
    sums = "SUM(staff), SUM(required), SUM(achieved), SUM(short), SUM(shortfall)"
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} SELECT first, {sums} FROM totals GROUP BY first", params)  # noqa: S608
        return _by_month(cursor.fetchall())


TALLY_COLUMNS = "staff, required_days, achieved_days, short, shortfall_days"


def _current(bureau_ids, firsts) -> tuple[str, list]:
    """The condition on tallies `t` (with their bureau's stamp `s` joined) of the bureaus and months
    asked for that are current: written at the generation their bureau stands at."""
    return (
        "t.bureau_id IN ({}) AND t.month IN ({}) AND t.generation = COALESCE(s.generation, 0)".format(
            ", ".join(["%s"] * len(bureau_ids)), ", ".join(["%s"] * len(firsts))
        ),
        [*bureau_ids, *firsts],
    )


def _tallied(bureau_ids, firsts, department_id) -> dict | None:
    """{month: totals} from the tallies, or None when some could not be made current (a change came
    in between): one statement when they are all current, three more when some are not."""
    for attempt in range(2):
        found = _read_tallies(bureau_ids, firsts, department_id)
        if found is not None:
            return found
        if attempt == 0:
            _write_tallies(bureau_ids, firsts)
    return None


def _read_tallies(bureau_ids, firsts, department_id) -> dict | None:
    from sanwen.fieldwork.models import QuotaStamp, QuotaTally

    whole, wanted = QuotaTally.WHOLE, department_id or QuotaTally.WHOLE
    where, params = _current(bureau_ids, firsts)
    sums = ", ".join(
        f"SUM(CASE WHEN t.department_id = %s THEN t.{column} ELSE 0 END)"
        for column in TALLY_COLUMNS.split(", ")
    )
    sql = (
        f"SELECT t.month, SUM(CASE WHEN t.department_id = %s THEN 1 ELSE 0 END), {sums} "  # noqa: S608
        f"FROM {QuotaTally._meta.db_table} t LEFT JOIN {QuotaStamp._meta.db_table} s "
        f"ON s.bureau_id = t.bureau_id WHERE {where} AND t.department_id IN (%s, %s) GROUP BY t.month"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [whole, *[wanted] * 5, *params, whole, wanted])
        rows = cursor.fetchall()
    # Every bureau's whole-bureau tally of every month is there and current: the figures are whole.
    if len(rows) < len(firsts) or any(int(row[1]) != len(bureau_ids) for row in rows):
        return None
    return _by_month((first, *counts) for first, _current_count, *counts in rows)


def _write_tallies(bureau_ids, firsts) -> None:
    """Work out the tallies of the bureaus asked for that lack a current one in some month, for all
    the months asked, and write them with the generation their bureau stood at: the figures and the
    generations are read by the same statement, so a change that lands after it leaves the tallies
    it wrote out of date rather than wrong."""
    from sanwen.fieldwork.models import QuotaStamp, QuotaTally

    tally, stamp = QuotaTally._meta.db_table, QuotaStamp._meta.db_table
    where, params = _current(bureau_ids, firsts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.bureau_id, COUNT(*) FROM {tally} t LEFT JOIN {stamp} s ON s.bureau_id = t.bureau_id "  # noqa: S608
            f"WHERE {where} AND t.department_id = %s GROUP BY t.bureau_id",
            [*params, QuotaTally.WHOLE],
        )
        whole = {bureau_id for bureau_id, count in cursor.fetchall() if count == len(firsts)}
        stale = [bureau_id for bureau_id in bureau_ids if bureau_id not in whole]
        if not stale:
            return
        ctes, params = _live(stale, firsts)
        asked = ", ".join(["(%s)"] * len(stale))
        figures = "staff, required, achieved, short, shortfall"
        sums = ", ".join(f"COALESCE(SUM(totals.{f}), 0)" for f in figures.split(", "))
        cursor.execute(
            f"WITH {ctes}, asked (bureau_id) AS (VALUES {asked}) "  # noqa: S608 (fixed fragments)
            f"INSERT INTO {tally} (bureau_id, month, department_id, generation, {TALLY_COLUMNS}) "
            f"SELECT x.bureau_id, x.first, x.department, COALESCE(s.generation, 0), {figures} FROM ("
            f"SELECT bureau_id, first, department, {figures} FROM totals UNION ALL "
            f"SELECT asked.bureau_id, m.first, %s, {sums} FROM asked CROSS JOIN m LEFT JOIN totals "
            f"ON totals.bureau_id = asked.bureau_id AND totals.first = m.first GROUP BY asked.bureau_id, m.first"
            # (In one order, so that two people filling the same tallies at once never deadlock.)
            f") x LEFT JOIN {stamp} s ON s.bureau_id = x.bureau_id WHERE TRUE "
            f"ORDER BY x.bureau_id, x.first, x.department "
            f"ON CONFLICT (bureau_id, month, department_id) DO UPDATE SET generation = excluded.generation, "
            + ", ".join(f"{c} = excluded.{c}" for c in TALLY_COLUMNS.split(", ")),
            [*params, *stale, QuotaTally.WHOLE],
        )


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
    materialized CTE), grouped by department and, in the same statement, totalled. Departments are
    grouped by name and order: several bureaus' 烟叶站 make one row (a province's table has a row per
    kind of department, not one per county's), a bureau's own departments one each."""
    inner, params = _per_person(rows)
    department = Department._meta.db_table
    sql = (
        f"WITH q AS MATERIALIZED ({inner}) "  # noqa: S608 (fixed fragments; values are parameters)
        f'SELECT 0, MIN(q.department_id), d.name, d."order", {TOTALS} '
        f"FROM q LEFT JOIN {department} d ON d.id = q.department_id "
        f'GROUP BY d.name, d."order" '
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


def quota_summary_tallied(*, bureau_ids, month: datetime.date, department_id: int | None = None):
    """quota_summary(quota_rows(...)) of bureaus or a department in a month, read from the bureaus'
    tallies (made current first where they are not); worked out from the people when a change came
    in while they were being made current. A test compares the two."""
    bureaus, first = sorted(set(bureau_ids)), month_start(month)
    for attempt in range(2):
        found = _read_summary(bureaus, first, department_id)
        if found is not None:
            return found
        if attempt == 0:
            _write_tallies(bureaus, [first])
    return quota_summary(quota_rows(bureau_ids=bureaus, month=first, department_id=department_id))


def _read_summary(bureau_ids, first, department_id):
    from sanwen.fieldwork.models import QuotaStamp, QuotaTally

    where, params = _current(bureau_ids, [first])
    whole = QuotaTally.WHOLE
    if department_id:
        where += " AND t.department_id IN (%s, %s)"
        params += [whole, department_id]
    sums = ", ".join(f"SUM(t.{column})" for column in TALLY_COLUMNS.split(", "))
    sql = (
        # Per department (none: 0), in their order (as quota_summary), then the whole bureaus'.
        f'SELECT CASE WHEN t.department_id = %s THEN 1 ELSE 0 END, MIN(t.department_id), d.name, d."order", '  # noqa: S608
        f"COUNT(*), {sums} FROM {QuotaTally._meta.db_table} t "
        f"LEFT JOIN {QuotaStamp._meta.db_table} s ON s.bureau_id = t.bureau_id "
        f"LEFT JOIN {Department._meta.db_table} d ON d.id = t.department_id WHERE {where} "
        f'GROUP BY 1, d.name, d."order" ORDER BY 1, 4, 3'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [whole, *params])
        found = cursor.fetchall()
    wholes = [row for row in found if row[0] == 1]
    if len(wholes) != 1 or int(wholes[0][4]) != len(bureau_ids):
        return None
    departments = [row for row in found if row[0] == 0]
    counted = departments if department_id else wholes
    totals = _totals(*(sum(int(row[i]) for row in counted) for i in range(5, 10)))
    keys = ("department_id", "department__name", "staff", "required_days", "achieved_days", "short")
    by_department = [
        dict(zip(keys, (row[1] or None, row[2], *map(int, row[5:9])), strict=True)) for row in departments
    ]
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

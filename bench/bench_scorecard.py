"""The six-zeros scorecard of the province (PostgreSQL; bench.generate with 5,000,000 visits and a
history of closed cases): every figure for its 100 bureaus, the children side by side, against
hand-written SQL for the same figures grouped by bureau in the same run; within 3x of it and under
2 seconds."""

import datetime

from django.db import connection

from bench.common import Result, best_of, scale
from bench.generate import BENCH_TODAY
from bench.generate import province as generated_province

PERIOD = "2026-02"
REUSES_PROVINCE = True


def runs_on() -> bool:
    return connection.vendor == "postgresql"


FLOOR = [
    # 零延误
    """SELECT bureau_id, COUNT(*) FROM cases_case WHERE bureau_id = ANY(%(ids)s) AND (
         (resolved_on BETWEEN %(start)s AND %(end)s AND resolved_on > deadline)
         OR (deadline < %(cutoff)s AND raised_on <= %(cutoff)s AND (resolved_on IS NULL OR resolved_on > %(cutoff)s)
             AND state NOT IN ('declined', 'merged')))
       GROUP BY bureau_id""",
    # 零疏忽
    """SELECT c.bureau_id, COUNT(*) FROM cases_case c JOIN campaigns_handlingmode m ON m.id = c.mode_id
       WHERE c.bureau_id = ANY(%(ids)s) AND c.resolved_on BETWEEN %(start)s AND %(cutoff)s AND (
         c.accepted_on > c.accept_due OR (c.return_visit_due < %(cutoff)s AND c.visited_on IS NULL)
         OR (m.closing_rule = 'in_batch' AND c.batch_id IS NULL)
         OR (m.closing_rule = 'senior_first_contact' AND c.first_contact_on IS NULL)
         OR (m.closing_rule = 'onsite_visit' AND c.on_site_visit_on IS NULL)
         OR (m.closing_rule = 'partner' AND NOT EXISTS (SELECT 1 FROM cases_casepartner p WHERE p.case_id = c.id))
         OR (m.closing_rule = 'public_board' AND NOT c.public)
         OR (m.closing_rule = 'follow_ups' AND c.state = 'archived'
             AND EXISTS (SELECT 1 FROM cases_followup f WHERE f.case_id = c.id AND f.done_on IS NULL)))
       GROUP BY c.bureau_id""",
    # 零差错
    """SELECT c.bureau_id, COUNT(*) FROM cases_case c WHERE c.bureau_id = ANY(%(ids)s) AND (
         EXISTS (SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id AND e.kind = 'reopened'
                 AND e.at >= %(start_at)s AND e.at < %(end_at)s)
         OR EXISTS (SELECT 1 FROM cases_returnvisit r WHERE r.case_id = c.id AND r.satisfaction = 'dissatisfied'
                    AND r."on" BETWEEN %(start)s AND %(cutoff)s))
       GROUP BY c.bureau_id""",
    # 零失误: commitments past due or not kept …
    """SELECT bureau_id, COUNT(*) FROM accountability_commitment WHERE bureau_id = ANY(%(ids)s)
       AND due_on >= %(start)s AND due_on < %(cutoff)s AND state IN ('open', 'not_kept') GROUP BY bureau_id""",
    # … and the staff short of their quota in the (completed) month
    """SELECT s.bureau_id, COUNT(*) FROM org_staff s
       JOIN campaigns_campaign c ON c.bureau_id = s.bureau_id AND c.active AND c.start <= %(end)s
            AND (c."end" IS NULL OR c."end" >= %(start)s)
       JOIN campaigns_rankquota q ON q.campaign_id = c.id AND q.rank = s.rank
       LEFT JOIN (SELECT staff_id, COUNT(DISTINCT "on") AS n FROM fieldwork_fieldday
                  WHERE "on" BETWEEN %(start)s AND %(end)s GROUP BY staff_id) f ON f.staff_id = s.id
       LEFT JOIN (SELECT staff_id, SUM(working_days) AS n FROM fieldwork_leavemonth
                  WHERE month = %(start)s GROUP BY staff_id) l ON l.staff_id = s.id
       WHERE s.bureau_id = ANY(%(ids)s) AND s.is_active AND s.role <> 'admin'
         AND COALESCE(f.n, 0) < GREATEST(q.days_per_month - COALESCE(l.n, 0), 0)
       GROUP BY s.bureau_id""",
    # 零距离: the area's households, and those of them without a visit in the period's months
    """SELECT bureau_id, COUNT(*) FROM clients_household WHERE bureau_id = ANY(%(ids)s) AND active
       GROUP BY bureau_id""",
    """SELECT h.bureau_id, COUNT(*) FROM clients_household h WHERE h.bureau_id = ANY(%(ids)s) AND h.active
       AND NOT EXISTS (SELECT 1 FROM fieldwork_visitedmonth v WHERE v.household_id = h.id
                       AND v.month BETWEEN %(start)s AND %(cutoff)s)
       GROUP BY h.bureau_id""",
    # 零违犯
    """SELECT bureau_id, COUNT(*) FROM accountability_violationreport WHERE bureau_id = ANY(%(ids)s)
       AND state = 'substantiated' AND concluded_on BETWEEN %(start)s AND %(cutoff)s GROUP BY bureau_id""",
]


def run() -> list[Result]:
    from django.utils import timezone

    from sanwen.accountability.scorecard import Period, Scope, card
    from sanwen.org.models import Bureau

    made = generated_province(scale(), fieldwork=True)
    province = Bureau.objects.get(level="province")
    period = Period.parse(PERIOD)
    ids = list(province.descendants().values_list("pk", flat=True))
    zone = timezone.get_current_timezone()
    cutoff = period.cutoff(BENCH_TODAY)
    params = {
        "ids": ids,
        "start": period.start,
        "end": period.end,
        "cutoff": cutoff,
        "start_at": datetime.datetime.combine(period.start, datetime.time.min, tzinfo=zone),
        "end_at": datetime.datetime.combine(
            cutoff + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        ),
    }
    out = {}

    def floor():
        rows = []
        with connection.cursor() as cursor:
            for sql in FLOOR:
                cursor.execute(sql, params)
                rows.append(cursor.fetchall())
        out["floor"] = rows

    def scorecard():
        out["card"] = card(Scope(bureau=province), period, BENCH_TODAY, children=True)

    floor_s, card_s = best_of(floor, 3), best_of(scorecard, 3)
    totals = {code: cells[-1] for code, _n, _d, cells in out["card"].figures}
    floor_totals = [sum(r[1] for r in rows) for rows in out["floor"]]
    expected = {
        "delay": floor_totals[0],
        "omission": floor_totals[1],
        "error": floor_totals[2],
        "lapse": floor_totals[3] + floor_totals[4],
        "distance": floor_totals[6],
        "breach": floor_totals[7],
    }
    got = {code: totals[code]["n"] for code in expected}
    assert got == expected, (got, expected)
    note = (
        f"{len(ids)} bureaus, {len(out['card'].columns) - 1} children side by side, {PERIOD}: "
        + ", ".join(f"{code} {n:,}" for code, n in got.items())
        + f"; {made.get('visits', 0):,} visits, {made['cases']:,} cases"
    )
    print(f"  scorecard: {note}")
    return [
        Result(
            name="six-zeros scorecard, province",
            database=connection.vendor,
            seconds=card_s,
            floor_seconds=floor_s,
            max_ratio=3,
            max_seconds=2,
            note=note,
        )
    ]

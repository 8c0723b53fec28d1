"""The dashboard of a county and of the province (PostgreSQL; bench.generate with 5,000,000 visits and
500,000 cases): its figures, month-by-month trends and per-bureau table, against hand-written SQL for
the same figures in the same run. Targets: county under 300 ms, province under 2 s, each within 3x.
(The six zeros and the quota table on the dashboard have their own benchmarks.)"""

import datetime

from django.db import connection

from bench.common import Result, best_of
from bench.generate import BENCH_TODAY
from bench.generate import province as generated_province

START = datetime.date(2025, 12, 1)
REUSES_PROVINCE = True


def SCALE() -> float:  # noqa: N802
    import os

    return float(os.environ.get("BENCH_SCALE", "1.0"))


def runs_on() -> bool:
    return connection.vendor == "postgresql"


MONTH = "date_trunc('month', {})::date"
FLOOR = [
    f"""SELECT bureau_id, {MONTH.format('"on"')}, SUM(household_visits) FROM fieldwork_visitday
        WHERE bureau_id = ANY(%(ids)s) AND "on" BETWEEN %(start)s AND %(end)s GROUP BY 1, 2""",
    f"""SELECT bureau_id, {MONTH.format('"on"')}, COUNT(*) FROM fieldwork_meeting
        WHERE bureau_id = ANY(%(ids)s) AND "on" BETWEEN %(start)s AND %(end)s GROUP BY 1, 2""",
    f"""SELECT bureau_id, {MONTH.format("opened_on")}, COUNT(*) FROM fieldwork_ledgerbook
        WHERE bureau_id = ANY(%(ids)s) AND opened_on BETWEEN %(start)s AND %(end)s GROUP BY 1, 2""",
    f"""SELECT bureau_id, {MONTH.format("raised_on")}, COUNT(*),
          COUNT(*) FILTER (WHERE ask_kind = 'suggestion'), COUNT(*) FILTER (WHERE ask_kind = 'need'),
          COUNT(*) FILTER (WHERE ask_kind = 'opinion'), COUNT(*) FILTER (WHERE concern_kind = 'worry'),
          COUNT(*) FILTER (WHERE concern_kind = 'grievance'), COUNT(*) FILTER (WHERE concern_kind = 'difficulty')
        FROM cases_case WHERE bureau_id = ANY(%(ids)s) AND raised_on BETWEEN %(start)s AND %(end)s
          AND state <> 'merged' GROUP BY 1, 2""",
    f"""SELECT bureau_id, {MONTH.format("resolved_on")}, COUNT(*), COUNT(*) FILTER (WHERE resolved_on <= deadline),
          COUNT(*) FILTER (WHERE resolved_on_the_spot)
        FROM cases_case WHERE bureau_id = ANY(%(ids)s) AND resolved_on BETWEEN %(start)s AND %(end)s
          AND state IN ('resolved', 'visited', 'archived') GROUP BY 1, 2""",
    """SELECT COUNT(*), COUNT(*) FILTER (WHERE satisfaction = 'satisfied'), COUNT(*) FILTER (WHERE satisfaction = 'basic'),
          COUNT(*) FILTER (WHERE satisfaction = 'dissatisfied')
        FROM cases_case WHERE bureau_id = ANY(%(ids)s) AND visited_on BETWEEN %(start)s AND %(end)s
          AND state <> 'merged' AND satisfaction <> ''""",
    """SELECT m.code, m.name, m."order", c.state, COUNT(*) FROM cases_case c
        JOIN campaigns_handlingmode m ON m.id = c.mode_id
        WHERE c.bureau_id = ANY(%(ids)s) AND c.raised_on BETWEEN %(start)s AND %(end)s AND c.state <> 'merged'
        GROUP BY 1, 2, 3, 4""",
    """SELECT k.code, k.name, d.unit, SUM(d.quantity), COUNT(*) FROM cases_deed d JOIN campaigns_deedkind k ON k.id = d.kind_id
        WHERE d.bureau_id = ANY(%(ids)s) AND d."on" BETWEEN %(start)s AND %(end)s GROUP BY 1, 2, 3""",
]


def run() -> list[Result]:
    from sanwen.org.models import Bureau
    from sanwen.reports.stats import Filters, compute

    made = generated_province(SCALE(), fieldwork=True)
    results = []
    province = Bureau.objects.get(level="province")
    county = Bureau.objects.filter(level="county").order_by("pk").first()
    for name, bureau, limit in (("county", county, 0.3), ("province", province, 2.0)):
        ids = list(bureau.descendants().values_list("pk", flat=True))
        f = Filters(bureau_ids=ids, start=START, end=BENCH_TODAY)
        params = {"ids": ids, "start": START, "end": BENCH_TODAY}
        out = {}

        def floor(params=params, out=out):
            rows = []
            with connection.cursor() as cursor:
                for sql in FLOOR:
                    cursor.execute(sql, params)
                    rows.append(cursor.fetchall())
            out["floor"] = rows

        def dashboard(f=f, out=out):
            out["dashboard"] = compute(f)

        floor_s, dashboard_s = best_of(floor, 3), best_of(dashboard, 3)
        figures = out["dashboard"]["figures"]
        expected = {
            "household_visits": sum(r[2] for r in out["floor"][0]),
            "meetings": sum(r[2] for r in out["floor"][1]),
            "cases": sum(r[2] for r in out["floor"][3]),
            "suggestions": sum(r[3] for r in out["floor"][3]),
            "resolved": sum(r[2] for r in out["floor"][4]),
            "on_time": sum(r[3] for r in out["floor"][4]),
        }
        got = {key: figures[key] for key in expected}
        assert got == expected, (name, got, expected)
        note = f"{len(ids)} bureaus, {START}..{BENCH_TODAY}: " + ", ".join(
            f"{k} {v:,}" for k, v in got.items()
        )
        note += f"; {made.get('visits', 0):,} visits in the database"
        print(f"  {name} dashboard: {note}")
        results.append(
            Result(
                name=f"dashboard, {name}",
                database=connection.vendor,
                seconds=dashboard_s,
                floor_seconds=floor_s,
                max_ratio=3,
                max_seconds=limit,
                note=note,
            )
        )
    return results

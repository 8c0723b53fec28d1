"""The dashboard of a county and of the province (PostgreSQL; bench.generate with 5,000,000 visits and
500,000 cases): its figures, month-by-month trends and per-bureau table, against hand-written SQL for
the same figures in the same run. Targets: county under 300 ms, province under 2 s, each within 3x.
(The six zeros and the quota table on the dashboard have their own benchmarks.)"""

import datetime

from django.db import connection

from bench.common import Result, best_of, scale
from bench.generate import BENCH_TODAY
from bench.generate import province as generated_province

START = datetime.date(2025, 12, 1)
REUSES_PROVINCE = True


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

    made = generated_province(scale(), fieldwork=True)
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
    results.append(_export(province))
    return results


EXPORT_ROWS = 100_000


def _export(province) -> Result:
    """A 100,000-row xlsx export of the records behind a figure (户次 of the province, the page's own
    code path) against writing the same rows from a plain cursor: peak Python memory (tracemalloc),
    which must stay bounded (within 3x of the floor's), and time."""
    import time
    import tracemalloc

    from django.test import RequestFactory

    from sanwen.core.access import Role
    from sanwen.core.xlsx import xlsx_response
    from sanwen.org.models import Staff
    from sanwen.reports.stats import Filters
    from sanwen.reports.views import _rows

    leader = (
        Staff.objects.filter(bureau=province, role=Role.LEADER).first()
        or Staff.objects.filter(role=Role.LEADER).first()
    )
    request = RequestFactory().get("/reports/records/")
    request.user = leader
    ids = list(province.descendants().values_list("pk", flat=True))
    f = Filters(bureau_ids=ids, start=START, end=BENCH_TODAY)

    def page_export():
        rows, header, row = _rows("household_visits", f, request)
        data = (row(r) for r in rows[:EXPORT_ROWS].iterator(chunk_size=2000))
        response = xlsx_response("x.xlsx", [("x", header, data)])
        return sum(len(chunk) for chunk in response.streaming_content)

    def floor_export():
        sql = """SELECT vh."on", h.name, h.kind, t.name, v.channel FROM fieldwork_visithousehold vh
                 JOIN clients_household h ON h.id = vh.household_id JOIN org_place t ON t.id = h.township_id
                 JOIN fieldwork_visit v ON v.id = vh.visit_id
                 WHERE vh.bureau_id = ANY(%s) AND vh."on" BETWEEN %s AND %s ORDER BY vh."on" DESC, vh.id DESC LIMIT %s"""

        def rows():
            with connection.cursor() as cursor:
                cursor.execute(sql, [ids, START, BENCH_TODAY, EXPORT_ROWS])
                while batch := cursor.fetchmany(2000):
                    yield from (list(r) for r in batch)

        response = xlsx_response("x.xlsx", [("x", ["date", "client", "kind", "township", "channel"], rows())])
        return sum(len(chunk) for chunk in response.streaming_content)

    def measure(function):
        tracemalloc.start()
        started = time.perf_counter()
        size = function()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak, seconds, size

    floor_peak, floor_s, _size = measure(floor_export)
    peak, seconds, size = measure(page_export)
    note = (
        f"{EXPORT_ROWS:,} rows, {size / 1e6:.1f} MB xlsx; peak Python memory {peak / 1e6:.1f} MB "
        f"(floor {floor_peak / 1e6:.1f} MB); {seconds:.1f} s (floor {floor_s:.1f} s)"
    )
    print(f"  export: {note}")
    return Result(
        name="xlsx export 100k rows: memory",
        database=connection.vendor,
        seconds=peak / 1e6,
        floor_seconds=floor_peak / 1e6,
        max_ratio=3,
        note=note,
        unit="MB",
    )

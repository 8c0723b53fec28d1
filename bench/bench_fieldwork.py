"""Field work at province scale (bench.generate with 5,000,000 visits): a ledger book of 500 households
and their 5,000 visits, and the province's monthly quota table for its 5,000 staff, each against
hand-written SQL for the same rows in the same run; within 3x of it."""

import datetime

from django.db import connection

from bench.common import Result, best_of, scale
from bench.generate import province as generated_province

MONTH = datetime.date(2026, 2, 1)
REUSES_PROVINCE = True  # it only reads the province (and opens one ledger book, once)

LEDGER_FLOOR = [
    """SELECT vh.household_id, vh.visit_id, vh."on", v.channel, v.diary
       FROM fieldwork_visithousehold vh JOIN fieldwork_visit v ON v.id = vh.visit_id
       WHERE vh.household_id IN (SELECT id FROM clients_household WHERE village_id = %(village)s)
       ORDER BY vh.household_id, vh."on", vh.visit_id""",
    """SELECT vs.visit_id, s.name FROM fieldwork_visitstaff vs JOIN org_staff s ON s.id = vs.staff_id
       WHERE vs.visit_id IN (SELECT vh.visit_id FROM fieldwork_visithousehold vh JOIN clients_household h
                             ON h.id = vh.household_id WHERE h.village_id = %(village)s)""",
    """SELECT c.id, c.household_id, c.year, c.sequence, c.title, c.state, c.raised_on, c.resolved_on,
              c.resolution, c.satisfaction, c.deadline, o.name
       FROM cases_case c LEFT JOIN org_staff o ON o.id = c.owner_id
       WHERE c.household_id IN (SELECT id FROM clients_household WHERE village_id = %(village)s)
       ORDER BY c.household_id, c.raised_on, c.id""",
]

QUOTA_FLOOR = """
SELECT s.id, q.days_per_month - COALESCE(l.n, 0) AS required, COALESCE(f.n, 0) AS achieved
FROM org_staff s
JOIN campaigns_campaign c ON c.bureau_id = s.bureau_id AND c.active AND c.start <= %(last)s
     AND (c."end" IS NULL OR c."end" >= %(first)s)
JOIN campaigns_rankquota q ON q.campaign_id = c.id AND q.rank = s.rank
LEFT JOIN (SELECT staff_id, COUNT(DISTINCT "on") AS n FROM fieldwork_fieldday
           WHERE "on" BETWEEN %(first)s AND %(last)s GROUP BY staff_id) f ON f.staff_id = s.id
LEFT JOIN (SELECT staff_id, SUM(working_days) AS n FROM fieldwork_leavemonth
           WHERE month = %(first)s GROUP BY staff_id) l ON l.staff_id = s.id
WHERE s.is_active AND s.role <> 'admin'
"""


def runs_on() -> bool:
    return True


def run() -> list[Result]:
    from sanwen.fieldwork.ledger import book_households, household_records
    from sanwen.fieldwork.models import LedgerBook, month_end
    from sanwen.fieldwork.quota import quota_rows
    from sanwen.org.models import Bureau, Staff

    made = generated_province(scale(), fieldwork=True)
    database = connection.vendor
    county = Bureau.objects.filter(level="county").order_by("pk").first()
    keeper = Staff.objects.filter(bureau=county, role="staff").first()
    from sanwen.campaigns.models import Campaign

    book, _created = LedgerBook.objects.get_or_create(
        bureau=county,
        campaign=Campaign.objects.get(bureau=county),
        scope="village",
        village_id=made["ledger_village"],
        defaults={"title": "基准村民情台账", "keeper": keeper, "opened_on": datetime.date(2025, 12, 1)},
    )
    out = {}

    def ledger():
        ids = list(book_households(book).order_by("pk").values_list("pk", flat=True))
        out["records"] = household_records(ids)

    def ledger_floor():
        rows = []
        with connection.cursor() as cursor:
            for sql in LEDGER_FLOOR:
                cursor.execute(sql, {"village": made["ledger_village"]})
                rows.append(cursor.fetchall())
        out["floor_rows"] = rows

    province = Bureau.objects.get(level="province")
    bureau_ids = list(province.descendants().values_list("pk", flat=True))

    def quota():
        out["quota"] = list(
            quota_rows(bureau_ids=bureau_ids, month=MONTH).values_list("pk", "required", "achieved")
        )

    def quota_floor():
        with connection.cursor() as cursor:
            cursor.execute(QUOTA_FLOOR, {"first": MONTH, "last": month_end(MONTH)})
            out["quota_floor"] = cursor.fetchall()

    ledger_floor_s, ledger_s = best_of(ledger_floor, 5), best_of(ledger, 5)
    quota_floor_s, quota_s = best_of(quota_floor, 5), best_of(quota, 5)
    households = len(out["records"])
    visits = sum(len(r["visits"]) for r in out["records"].values())
    assert visits == len(out["floor_rows"][0]), "the ledger shows every visit the floor finds"
    assert len(out["quota"]) == len(out["quota_floor"]), "the quota table lists every staff member"
    floor_by_id = {pk: (max(req, 0), ach) for pk, req, ach in out["quota_floor"]}
    assert all(floor_by_id[pk] == (req, ach) for pk, req, ach in out["quota"]), "same figures"
    short = sum(1 for _pk, req, ach in out["quota"] if ach < req)
    ledger_note = (
        f"{households} households, {visits:,} visits; {made.get('visits', 0):,} visits in the database"
    )
    quota_note = f"{len(out['quota']):,} staff, {short:,} short in {MONTH:%Y-%m}; {made.get('field_days', 0):,} field days"
    print(f"  ledger: {ledger_note}\n  quota: {quota_note}")
    return [
        Result(
            name="ledger book, 500 households",
            database=database,
            seconds=ledger_s,
            floor_seconds=ledger_floor_s,
            max_ratio=3,
            note=ledger_note,
        ),
        Result(
            name="quota table, province staff",
            database=database,
            seconds=quota_s,
            floor_seconds=quota_floor_s,
            max_ratio=3,
            note=quota_note,
        ),
    ]

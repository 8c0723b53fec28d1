"""Province-scale data for the benchmarks: 100 bureaus (a province, 9 cities, 90 counties), 5,000 staff,
500,000 households and 500,000 open cases at scale 1.0; `--scale 0.1` gives a tenth. Rows go in with
PostgreSQL's COPY (executemany on SQLite), with a progress bar. The data is in a steady state as of
BENCH_TODAY: whatever the clock had to do before that day is done, so a pass acts on one day's due cases.

    python -m bench.generate --scale 0.1
"""

import argparse
import datetime
import importlib
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_TODAY = datetime.date(2026, 3, 11)  # a Wednesday
COUNTIES, CITIES = 90, 9
STAFF_PER_BUREAU = 50
HOUSEHOLDS, CASES = 500_000, 500_000
MODE_LIMITS = {
    "immediate": 1,
    "on_site": 5,
    "proactive": 10,
    "tracked": 10,
    "public": 10,
    "multi_party": 30,
    "centralised": 15,
    "deadline": 20,
}
SURNAMES = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏"
GIVEN = "建国华军明伟芳秀英丽强磊洋勇艳杰娟涛超霞平刚桂兰红玉梅志文斌辉鹏飞宇海燕春林金凤云龙德福荣昌盛贵发财"


def add_weekdays(day: datetime.date, n: int) -> datetime.date:
    step = 1 if n >= 0 else -1
    while n:
        day += datetime.timedelta(days=step)
        if day.weekday() < 5:
            n -= step
    return day


def _constant(value):
    def make():
        return value

    return make


class Writer:
    """COPY on PostgreSQL, executemany on SQLite; both in batches with a progress bar."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"

    def write(self, table: str, columns: list[str], rows, total: int, label: str, batch: int = 20_000):
        from tqdm import tqdm

        columns, rows = self._with_defaults(table, columns, rows)

        bar = tqdm(total=total, desc=f"  {label}", unit="row", leave=False, mininterval=1)
        buffer = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= batch:
                self._flush(table, columns, buffer)
                bar.update(len(buffer))
                buffer = []
        if buffer:
            self._flush(table, columns, buffer)
            bar.update(len(buffer))
        bar.close()

    @staticmethod
    def _with_defaults(table: str, columns: list[str], rows):
        """Columns the generator does not name (added to the models since) get their field's default,
        or NULL: the generator keeps up with the schema."""
        from django.apps import apps
        from django.db.models import NOT_PROVIDED

        model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
        if model is None:
            return columns, rows
        extra, makers = [], []
        for f in model._meta.concrete_fields:
            if f.column in columns or f.primary_key:
                continue
            if f.default is not NOT_PROVIDED:
                if callable(f.default) and f.unique:  # a unique code: one drawn for each row
                    maker = f.default
                else:
                    maker = _constant(f.default() if callable(f.default) else f.default)
            elif f.null:
                maker = _constant(None)
            elif f.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField"):
                maker = _constant("")
            else:
                continue  # left to the database (and its error, if it has no default either)
            extra.append(f.column)
            makers.append(maker)
        if not extra:
            return columns, rows
        return [*columns, *extra], (tuple(row) + tuple(m() for m in makers) for row in rows)

    def _flush(self, table, columns, rows):
        columns = [f'"{c}"' for c in columns]  # "on" is a keyword
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def generate(
    scale: float = 1.0,
    *,
    say=print,
    fieldwork: bool = False,
    cities: int = CITIES,
    counties_per_city: int = COUNTIES // CITIES,
    staff_per_bureau: int = STAFF_PER_BUREAU,
) -> dict:
    """Build the province into the (empty, migrated) database. Returns what was made.

    `cities=1, counties_per_city=1` makes one county holding every household, case and visit (the
    page benchmark's county). Time limits, reminder and supervision days are counted on the
    working-day calendar as the product counts them, the per-bureau case counters are advanced past
    the generated numbers (a registration afterwards gets the next one) and every case has the
    timeline the figures read (registered, accepted, assigned; resolved and visited when closed)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from sanwen.campaigns.models import Campaign, HandlingMode
    from sanwen.campaigns.services import campaign_create
    from sanwen.org.models import Bureau, Department, Place
    from sanwen.org.services import bureau_create

    rng = random.Random(11)
    now = timezone.now()
    started = time.perf_counter()
    writer = Writer(connection)
    n_households, n_cases = int(HOUSEHOLDS * scale), int(CASES * scale)
    with transaction.atomic():
        province_area = Place.objects.create(code="46", name="基准省", level="province")
        province = bureau_create(
            name="基准省烟草专卖局", short_name="省局", code="46", level="province", area=province_area
        )
        counties = []
        for c in range(cities):
            city_area = Place.objects.create(
                code=f"46{c + 1:02d}", name=f"基准市{c + 1}", level="city", parent=province_area
            )
            city = bureau_create(
                name=f"基准市{c + 1}烟草专卖局",
                short_name=f"市局{c + 1}",
                code=city_area.code,
                level="city",
                area=city_area,
                parent=province,
            )
            for k in range(counties_per_city):
                area = Place.objects.create(
                    code=f"{city_area.code}{k + 1:02d}",
                    name=f"基准县{c + 1}-{k + 1}",
                    level="county",
                    parent=city_area,
                )
                townships = [
                    Place(code=f"{area.code}{t + 100:03d}", name=f"镇{t + 1}", level="township", parent=area)
                    for t in range(8)
                ]
                Place.objects.bulk_create(townships)
                county = bureau_create(
                    name=f"基准县{c + 1}-{k + 1}烟草专卖局",
                    short_name=f"县局{c + 1}-{k + 1}",
                    code=area.code,
                    level="county",
                    area=area,
                    parent=city,
                )
                county.township_ids = list(Place.objects.filter(parent=area).values_list("id", flat=True))
                counties.append(county)
        bureaus = list(Bureau.objects.all())
        for bureau in bureaus:
            if bureau.level == "county":
                campaign_create(bureau=bureau, name="三问三解", start=datetime.date(2025, 7, 1))
        Department.objects.bulk_create(
            Department(bureau=b, name=n, kind=k, order=i)
            for b in bureaus
            for i, (n, k) in enumerate(
                [
                    ("局领导班子", "leadership"),
                    ("烟叶站", "leaf"),
                    ("客户服务站", "customer"),
                    ("专卖股", "monopoly"),
                    ("办公室", "office"),
                ]
            )
        )
        departments = {}
        for d in Department.objects.all():
            departments.setdefault(d.bureau_id, []).append(d)
    say(f"  {len(bureaus)} bureaus, {len(counties)} counties")

    password = make_password(None)
    staff_rows = []
    for bureau in bureaus:
        depts = sorted(departments[bureau.pk], key=lambda d: d.order)
        for i in range(max(20, int(staff_per_bureau * scale))):  # leaders, heads and a team, at any scale
            if i < 4:
                dept, role, rank = depts[0], "leader", "leader"
            elif i < 8:
                dept, role, rank = depts[i - 3], "dept_head", "dept_head"
            else:
                dept, role, rank = depts[1 + i % 4], "staff", "key_staff" if i % 3 else "staff"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            staff_rows.append(
                (
                    password,
                    False,
                    f"b{bureau.pk}s{i}",
                    "",
                    "",
                    "",
                    False,
                    True,
                    now,
                    name,
                    bureau.pk,
                    dept.pk,
                    rank,
                    role,
                    "",
                    "",
                )
            )
    writer.write(
        "org_staff",
        [
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "name",
            "bureau_id",
            "department_id",
            "rank",
            "role",
            "title",
            "phone",
        ],
        staff_rows,
        len(staff_rows),
        "staff",
    )
    staff_by_bureau: dict[int, list] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, bureau_id, department_id, role FROM org_staff WHERE bureau_id IS NOT NULL")
        for sid, bid, did, role in cursor.fetchall():
            staff_by_bureau.setdefault(bid, []).append((sid, did, role))
    # 分管领导: each department is supervised by one of its bureau's four leaders (written one after
    # another above, so their ids are consecutive).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE org_department SET supervisor_id = (SELECT MIN(s.id) + (org_department.id % 4) FROM org_staff s "
            "WHERE s.bureau_id = org_department.bureau_id AND s.role = 'leader')"
        )

    def households():
        for i in range(n_households):
            county = counties[i % len(counties)]
            kind = "farmer" if i % 5 < 3 else "retailer"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            phone = f"13{rng.randint(3, 9)}{rng.randrange(10**8):08d}"
            yield (
                county.pk,
                kind,
                name,
                phone,
                "",
                "",
                rng.choice(county.township_ids),
                None,
                "",
                "",
                "",
                "",
                True,
                f"{name} {phone}",
                now,
                now,
            )

    writer.write(
        "clients_household",
        [
            "bureau_id",
            "kind",
            "name",
            "phone",
            "id_number",
            "credit_code",
            "township_id",
            "village_id",
            "address",
            "market_type",
            "business_format",
            "note",
            "active",
            "search_key",
            "created_at",
            "updated_at",
        ],
        households(),
        n_households,
        "households",
    )
    first_household = _scalar(connection, "SELECT MIN(id) FROM clients_household")

    campaigns = dict(Campaign.objects.values_list("bureau_id", "id"))
    modes = {(m.campaign_id, m.code): m.pk for m in HandlingMode.objects.all()}
    mode_codes = list(MODE_LIMITS)
    # The full province (fieldwork=True) has a history: 40 % of its cases are closed. The clock's
    # benchmark keeps all 500,000 open.
    closed_share = 0.4 if fieldwork else 0.0

    def cases():
        for i in range(n_cases):
            county = counties[i % len(counties)]
            campaign = campaigns[county.pk]
            code = mode_codes[i % len(mode_codes)]
            limit = MODE_LIMITS[code]
            raised = BENCH_TODAY - datetime.timedelta(days=rng.randrange(0, 90))
            deadline, remind, escalate, escalate_leader = clock_days(raised, limit)
            owner, department, _role = rng.choice(staff_by_bureau[county.pk][8:])
            state, resolved, visit_due, visited, satisfaction, reopened = (
                rng.choice(["accepted", "assigned", "in_progress", "in_progress"]),
                None,
                None,
                None,
                "",
                0,
            )
            if closed_share and rng.random() < closed_share:
                # A closed case: resolved within its limit mostly, late sometimes; visited or not yet.
                resolved = min(working_days(raised, rng.randrange(0, limit + 4)), BENCH_TODAY)
                resolved = max(resolved, raised)
                visit_due = working_days(resolved, 1)
                if visit_due < BENCH_TODAY and rng.random() < 0.9:
                    visited, state = visit_due, rng.choice(["visited", "visited", "archived"])
                    satisfaction = rng.choice(["satisfied"] * 8 + ["basic"] * 2)
                else:
                    state = "resolved"
                reopened = 1 if rng.random() < 0.03 else 0
            yield (
                county.pk,
                campaign,
                raised.year,
                i + 1,
                f"基准事项{i}",
                "基准数据",
                "need",
                "",
                "visit",
                first_household + (i % n_households),
                "",
                "",
                False,
                i % 10 == 0,  # one case in ten handled publicly (公开办): the portal's board lists them
                modes[(campaign, code)],
                state,
                raised,
                owner,
                department,
                deadline,
                "",
                remind,
                escalate,
                escalate_leader,
                raised,
                working_days(raised, 1),
                resolved,
                visit_due,
                visited,
                "办结" if resolved else "",
                False,
                "",
                satisfaction,
                reopened,
                "",
                "",
                1,
                now,
                now,
                raised,
                limit,
            )

    writer.write(
        "cases_case",
        [
            "bureau_id",
            "campaign_id",
            "year",
            "sequence",
            "title",
            "description",
            "ask_kind",
            "concern_kind",
            "source",
            "household_id",
            "contact_name",
            "contact_phone",
            "confidential",
            "public",
            "mode_id",
            "state",
            "raised_on",
            "owner_id",
            "department_id",
            "deadline",
            "deadline_pending",
            "remind_on",
            "escalate_on",
            "escalate_leader_on",
            "accepted_on",
            "accept_due",
            "resolved_on",
            "return_visit_due",
            "visited_on",
            "resolution",
            "resolved_on_the_spot",
            "decline_reason",
            "satisfaction",
            "reopened",
            "evaluation",
            "evaluation_reason",
            "version",
            "created_at",
            "updated_at",
            "limit_from",
            "limit_days",
        ],
        cases(),
        n_cases,
        "cases",
    )
    first_case = _scalar(connection, "SELECT MIN(id) FROM cases_case")
    with connection.cursor() as cursor:
        # The next registration in each bureau and year gets the number after the last generated one.
        cursor.execute(
            "INSERT INTO cases_casecounter (bureau_id, year, last) "
            "SELECT bureau_id, year, MAX(sequence) FROM cases_case GROUP BY bureau_id, year"
        )
    _timeline(writer, connection, now=now, first_case=first_case, n_cases=n_cases)
    extra = {"long_case": first_case}
    if fieldwork:
        extra |= _fieldwork(
            scale,
            writer=writer,
            rng=rng,
            now=now,
            counties=counties,
            campaigns=campaigns,
            staff_by_bureau=staff_by_bureau,
            first_household=first_household,
            n_households=n_households,
            say=say,
        )
    # Steady state: the clock passed yesterday and has written every alert due until then.
    from sanwen.cases.clock import clock_pass

    backlog = clock_pass(today=BENCH_TODAY - datetime.timedelta(days=1), send_email=False)
    say(f"  yesterday's pass: {backlog.alerts:,} alerts due so far")
    with connection.cursor() as cursor:
        # Fresh statistics, and on PostgreSQL the visibility map autovacuum keeps on a live database
        # (without it every index-only scan of the bulk-loaded tables reads the rows' pages too).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    made = {
        "bureaus": len(bureaus),
        "staff": len(staff_rows),
        "households": n_households,
        "cases": n_cases,
        "seconds": round(time.perf_counter() - started, 1),
        **extra,
    }
    say(f"  generated {made}")
    return made


def _calendar():
    from sanwen.core.calendar import WorkingCalendar

    return WorkingCalendar.load()


_DAYS: dict = {}


def working_days(day: datetime.date, n: int) -> datetime.date:
    """`n` working days after `day` on the product's working-day calendar (memoised: a few thousand
    distinct (day, n) pairs cover the whole province)."""
    key = (day, n)
    if key not in _DAYS:
        if "calendar" not in _DAYS:
            _DAYS["calendar"] = _calendar()
        _DAYS[key] = _DAYS["calendar"].add_working_days(day, n)
    return _DAYS[key]


def clock_days(raised: datetime.date, limit: int):
    """(deadline, remind_on, escalate_on, escalate_leader_on) as the product sets them on acceptance
    (sanwen.cases.services.set_time_limit with the day of the step = the day raised)."""
    key = ("clock", raised, limit)
    if key not in _DAYS:
        if "calendar" not in _DAYS:
            _DAYS["calendar"] = _calendar()
        calendar = _DAYS["calendar"]
        deadline = calendar.add_working_days(raised, limit)
        remind = calendar.previous_working_day(deadline) if deadline > raised else deadline
        if remind < raised:
            remind = calendar.working_day_from(raised)
        if remind > deadline:
            remind = None
        escalate = calendar.add_working_days_or_weekdays(deadline, 1)
        leader = calendar.add_working_days_or_weekdays(escalate, 2)
        _DAYS[key] = (deadline, remind, escalate, leader)
    return _DAYS[key]


LONG_CASE_NOTES = 120  # progress notes on the first case: a detail page with a long timeline


def _timeline(writer, connection, *, now, first_case, n_cases):
    """Each case's steps as the services write them (registered, accepted, assigned on the day raised;
    resolved and return visit when closed, a resolution and its reopening the day before for the cases
    reopened once), and 120 progress notes on the first case."""
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, raised_on, owner_id, deadline, resolved_on, return_visit_due, visited_on, reopened "
            "FROM cases_case ORDER BY id"
        )
        cases = cursor.fetchall()

    def at(day):
        return timezone.make_aware(datetime.datetime.combine(_as_date(day), datetime.time(9)))

    def events():
        for case_id, raised, owner, deadline, resolved, visit_due, visited, reopened in cases:
            raised = _as_date(raised)
            for kind in ("registered", "accepted", "assigned"):
                yield (case_id, at(raised), None, kind, "", False, raised, deadline, None)
            if resolved:
                resolved = _as_date(resolved)
                if reopened:  # resolved once the day before, reopened the same day (零差错 counts it)
                    first = max(raised, resolved - datetime.timedelta(days=1))
                    due = working_days(first, 1)
                    yield (case_id, at(first), owner, "resolved", "办结", False, first, deadline, due)
                    yield (case_id, at(first), owner, "reopened", "复查", False, first, deadline, None)
                yield (case_id, at(resolved), owner, "resolved", "办结", False, resolved, deadline, visit_due)
            if visited:
                yield (
                    case_id,
                    at(visited),
                    owner,
                    "return_visit",
                    "",
                    False,
                    _as_date(visited),
                    deadline,
                    None,
                )
            if case_id == first_case:
                for k in range(LONG_CASE_NOTES):
                    yield (
                        case_id,
                        at(raised),
                        owner,
                        "note",
                        f"进展{k + 1}",
                        k % 2 == 0,
                        raised,
                        deadline,
                        None,
                    )

    writer.write(
        "cases_caseevent",
        ["case_id", "at", "by_id", "kind", "text", "public", "on", "deadline", "due_on"],
        events(),
        int(n_cases * 3.7),
        "case timeline",
        batch=50_000,
    )
    from sanwen.cases.models import restamp

    started = time.perf_counter()
    restamp()  # as the services leave it: each case's latest step, open or not
    print(
        f"  timeline stamped (latest step, open after it) in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


VISITS = 5_000_000
LEDGER_HOUSEHOLDS, LEDGER_VISITS = 500, 5_000
FIELD_DAYS_SINCE = datetime.date(2025, 12, 1)  # three months of visits up to BENCH_TODAY


def _fieldwork(
    scale, *, writer, rng, now, counties, campaigns, staff_by_bureau, first_household, n_households, say
):
    """5,000,000 visits (one household and one staff member each) over the three months up to
    BENCH_TODAY, their field days, some approved leave, and a village of 500 households that holds
    5,000 of the visits (the ledger-book benchmark)."""
    from django.db import connection

    from sanwen.org.models import Place

    n_visits = int(VISITS * scale)
    county = counties[0]
    village = Place.objects.create(
        code=f"{county.area.code}100201", name="基准村", level="village", parent_id=county.township_ids[0]
    )
    # Households of county 0 are every len(counties)-th id: the first 500 of them live in the village.
    ledger_ids = [
        first_household + k * len(counties)
        for k in range(min(LEDGER_HOUSEHOLDS, n_households // len(counties)))
    ]
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(ledger_ids))
        cursor.execute(
            f"UPDATE clients_household SET village_id = %s WHERE id IN ({marks})", [village.pk, *ledger_ids]
        )  # noqa: S608
    days = (BENCH_TODAY - FIELD_DAYS_SINCE).days + 1
    county_staff = {
        c.pk: [sid for sid, _d, role in staff_by_bureau[c.pk] if role != "admin"] for c in counties
    }
    per_county = max(1, n_households // len(counties))
    plan = []  # (county index, household id, staff id, day offset): generated once, reused for each table
    field_days = set()
    for i in range(n_visits):
        if i < LEDGER_VISITS:
            c, household = 0, ledger_ids[i % len(ledger_ids)]
        else:
            c = i % len(counties)
            household = first_household + c + rng.randrange(per_county) * len(counties)
        staff = rng.choice(county_staff[counties[c].pk])
        offset = rng.randrange(days)
        plan.append((c, household, staff, offset))
        field_days.add((staff, offset))
    dates = [FIELD_DAYS_SINCE + datetime.timedelta(days=d) for d in range(days)]
    writer.write(
        "fieldwork_visit",
        [
            "bureau_id",
            "campaign_id",
            "on",
            "channel",
            "diary",
            "village_id",
            "recorded_by_id",
            "created_at",
            "updated_at",
        ],
        (
            (
                counties[c].pk,
                campaigns[counties[c].pk],
                dates[o],
                "face",
                "基准走访民情日志",
                None,
                s,
                now,
                now,
            )
            for c, _h, s, o in plan
        ),
        n_visits,
        "visits",
        batch=50_000,
    )
    first_visit = _scalar(connection, "SELECT MIN(id) FROM fieldwork_visit")
    writer.write(
        "fieldwork_visithousehold",
        ["visit_id", "household_id", "bureau_id", "on"],
        ((first_visit + i, h, counties[c].pk, dates[o]) for i, (c, h, _s, o) in enumerate(plan)),
        n_visits,
        "visit households",
        batch=50_000,
    )
    writer.write(
        "fieldwork_visitstaff",
        ["visit_id", "staff_id", "on"],
        ((first_visit + i, s, dates[o]) for i, (_c, _h, s, o) in enumerate(plan)),
        n_visits,
        "visit staff",
        batch=50_000,
    )
    # The months each household was visited in (visit_record keeps this set as visits come in).
    month = (
        "date_trunc('month', \"on\")::date"
        if connection.vendor == "postgresql"
        else "date(\"on\", 'start of month')"
    )
    with connection.cursor() as cursor:
        # On PostgreSQL the months go in with the tally's triggers off and the tally is then counted
        # once, as the migration that made it does: a trigger per row updating the same few tally rows
        # in one transaction leaves each row a chain of versions that every later update walks.
        postgres = connection.vendor == "postgresql"
        if postgres:
            cursor.execute("ALTER TABLE fieldwork_visitedmonth DISABLE TRIGGER USER")
        cursor.execute(
            "INSERT INTO fieldwork_visitedmonth (household_id, bureau_id, month) "  # noqa: S608
            f"SELECT DISTINCT household_id, bureau_id, {month} FROM fieldwork_visithousehold"
        )
        if postgres:
            cursor.execute("ALTER TABLE fieldwork_visitedmonth ENABLE TRIGGER USER")
            tally = importlib.import_module("sanwen.fieldwork.migrations.0011_visited_tally_triggers")
            for statement in tally.BACKFILL:
                cursor.execute(statement)
        cursor.execute(
            'INSERT INTO fieldwork_visitday (bureau_id, "on", visits, household_visits) '
            'SELECT bureau_id, "on", COUNT(DISTINCT visit_id), COUNT(*) FROM fieldwork_visithousehold '
            'GROUP BY bureau_id, "on"'
        )
    bureau_of = {sid: b for b, rows in staff_by_bureau.items() for sid, _d, _r in rows}
    writer.write(
        "fieldwork_fieldday",
        ["bureau_id", "staff_id", "on", "activity", "source", "created_at", "updated_at"],
        ((bureau_of[s], s, dates[o], "走访", "visit", now, now) for s, o in sorted(field_days)),
        len(field_days),
        "field days",
        batch=50_000,
    )
    # Approved leave for one staff member in ten: three working days in BENCH_TODAY's month.
    leave_staff = sorted(bureau_of)[::10]
    writer.write(
        "fieldwork_leave",
        [
            "bureau_id",
            "staff_id",
            "kind",
            "start",
            "end",
            "reason",
            "state",
            "decision_note",
            "created_at",
            "updated_at",
        ],
        (
            (
                bureau_of[s],
                s,
                "leave",
                datetime.date(2026, 2, 2),
                datetime.date(2026, 2, 4),
                "基准",
                "approved",
                "",
                now,
                now,
            )
            for s in leave_staff
        ),
        len(leave_staff),
        "leave",
    )
    first_leave = _scalar(connection, "SELECT MIN(id) FROM fieldwork_leave")
    writer.write(
        "fieldwork_leavemonth",
        ["leave_id", "staff_id", "month", "working_days"],
        ((first_leave + i, s, datetime.date(2026, 2, 1), 3) for i, s in enumerate(leave_staff)),
        len(leave_staff),
        "leave months",
    )
    say(
        f"  {n_visits:,} visits, {len(field_days):,} field days, ledger village of {len(ledger_ids)} households"
    )
    return {"visits": n_visits, "field_days": len(field_days), "ledger_village": village.pk}


def _scalar(connection, sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1.0")))
    args = parser.parse_args(argv)
    from bench.__main__ import fresh_database, setup

    setup()
    fresh_database()
    generate(args.scale)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()


def _marker():
    from pathlib import Path

    from django.db import connection

    name = Path(str(connection.settings_dict["NAME"])).name
    return Path(__file__).resolve().parent.parent / "var" / f"bench-{connection.vendor}-{name}.json"


RUN_STARTED = time.time()


def reusable(scale: float, *, fieldwork: bool = False) -> dict | None:
    """What an earlier benchmark of this run (or, with BENCH_REUSE=1, of a previous run) generated in
    this database, if it is still there."""
    import json
    import os

    from django.db import DatabaseError

    from sanwen.org.models import Bureau

    marker = _marker()
    if not marker.exists() or not (os.environ.get("BENCH_REUSE") or marker.stat().st_mtime >= RUN_STARTED):
        return None  # a province made earlier in this run is always reused; an older one on request
    made = json.loads(marker.read_text())
    if made["scale"] != scale or (fieldwork and not made["fieldwork"]):
        return None
    try:
        return made if Bureau.objects.filter(code="46").exists() else None
    except DatabaseError:
        return None


def province(scale: float = 1.0, *, fieldwork: bool = False, say=print) -> dict:
    """The generated province: made now in the fresh database, or, with BENCH_REUSE=1, the one a
    previous run left in this database (the generator is deterministic, so it is the same data)."""
    import json

    made = reusable(scale, fieldwork=fieldwork)
    if made:
        say(f"  reusing the province generated earlier ({made['seconds']} s to make)")
        return made
    made = generate(scale, say=say, fieldwork=fieldwork) | {"scale": scale, "fieldwork": fieldwork}
    _marker().parent.mkdir(exist_ok=True)
    _marker().write_text(json.dumps(made))
    return made

"""Every page over HTTP at volume: gunicorn (2 workers, DEBUG off) on 127.0.0.1 serving a generated
county on SQLite (100,000 cases, 1,000,000 visits: BENCH_COUNTY_SCALE, default 0.2 of the province's
rows, all in one county) or the province on PostgreSQL (500,000 cases, 5,000,000 visits at BENCH_SCALE
1.0), each page opened as a leader and as a staff member: the median of 20 requests, each followed
by one of the floor — a trivial logged-in page of our own (base template, navigation, the bell) —
whose median beside it is what the page is measured against, so that a slow minute of the machine
slows both; and a bounded concurrent run (8 connections for BENCH_PAGES_SECONDS, default 5 s). The floor is measured
the same way against a bare Django logged-in view (60 requests of each), all in the same run and on
the same server.

Also checked on the generated data: registering a case works (the next number, a working-day limit),
and the clock's pass over the alerts of a window of days (BENCH_CLOCK_ALERTS, default 47,000), messages
built, within 2 s."""

import datetime
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.db import connection, connections, transaction

from bench.bench_write import Client, _free_port, _server_env, _wait_for
from bench.common import Result
from bench.generate import BENCH_TODAY, LEDGER_HOUSEHOLDS, generate

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
SEQUENTIAL = 20
CONNECTIONS = 8
SECONDS = float(os.environ.get("BENCH_PAGES_SECONDS", "5"))
PORTS = os.environ.get("BENCH_PAGES_PORTS", "8150-8159")
PASSWORD = "bench-pages-2026"
CLOCK_ALERTS = int(os.environ.get("BENCH_CLOCK_ALERTS", "47000"))
YEAR = "from=2025-12-01&to=2026-11-30"  # a year that holds all the generated months
MANAGES_DATA = True  # a fresh database for its data, or the one an earlier run made (BENCH_REUSE=1)
LIST, DASHBOARD = 5, 10  # targets: pages within 5× the floor, dashboard and scorecard within 10×


def runs_on() -> bool:
    return True


def _layout() -> dict:
    if connection.vendor == "sqlite":
        scale = float(os.environ.get("BENCH_COUNTY_SCALE", "0.2"))
        return {
            "name": "county",
            "scale": scale,
            "cities": 1,
            "counties_per_city": 1,
            "staff_per_bureau": 1000,
        }
    return {"name": "province", "scale": float(os.environ.get("BENCH_SCALE", "1.0"))}


def _marker(layout: dict) -> Path:
    name = Path(str(connection.settings_dict["NAME"])).name
    return ROOT / "var" / f"bench-pages-{connection.vendor}-{name}.json"


def _data(layout: dict, say=print) -> dict:
    """The generated county or province: made now, or with BENCH_REUSE=1 the one an earlier run made."""
    from bench.__main__ import fresh_database

    marker = _marker(layout)
    if os.environ.get("BENCH_REUSE") and marker.exists():
        made = json.loads(marker.read_text())
        if made.get("layout") == layout:
            from django.core.management import call_command

            say(f"  reusing the {layout['name']} generated earlier ({made['seconds']} s to make)")
            call_command("migrate", verbosity=0)  # what changed in the schema since
            return made
    if layout["name"] == "province":
        from bench.generate import reusable

        made = reusable(layout["scale"], fieldwork=True)  # made by another benchmark of this run
        if made and "long_case" in made:
            say(f"  reusing the province generated earlier in this run ({made['seconds']} s to make)")
            return made | {"layout": layout}
    fresh_database()
    options = {k: v for k, v in layout.items() if k not in ("name", "scale")}
    made = generate(layout["scale"], say=say, fieldwork=True, **options) | {"layout": layout}
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(json.dumps(made))
    return made


def _people(layout: dict, made: dict) -> dict:
    """The leader who sees the most (the county's, or the province's) and a staff member of a county
    with cases of their own; both given a known password."""
    from django.contrib.auth.hashers import make_password

    from sanwen.cases.models import Case
    from sanwen.org.models import Bureau, Staff

    top = Bureau.objects.filter(level=layout["name"]).order_by("pk").first()
    county = Bureau.objects.filter(level="county").order_by("pk").first()
    leader = Staff.objects.filter(bureau=top, role="leader").order_by("pk").first()
    owner = (
        Case.objects.filter(bureau=county, owner__role="staff").order_by("pk").values_list("owner", flat=True)
    ).first()
    staff = Staff.objects.get(pk=owner)
    Staff.objects.filter(pk__in=[leader.pk, staff.pk]).update(password=make_password(PASSWORD))
    return {"leader": leader, "staff": staff, "top": top, "county": county}


def _ledger_book(county, made: dict):
    from sanwen.campaigns.models import Campaign
    from sanwen.fieldwork.models import LedgerBook
    from sanwen.org.models import Staff

    keeper = Staff.objects.filter(bureau=county, role="staff").order_by("pk").first()
    book, _created = LedgerBook.objects.get_or_create(
        bureau=county,
        campaign=Campaign.objects.get(bureau=county),
        scope="village",
        village_id=made["ledger_village"],
        defaults={"title": "基准村民情台账", "keeper": keeper, "opened_on": datetime.date(2025, 12, 1)},
    )
    return book


def _pages(made: dict, book, county) -> list[tuple[str, str, int]]:
    """(name, path, target ratio to the floor)."""
    return [
        ("home", "/", LIST),
        ("case list", "/cases/", LIST),
        ("case list, overdue", "/cases/?overdue=1", LIST),
        ("case list, by mode", "/cases/?mode=on_site", LIST),
        ("case list, page 100", "/cases/?page=100", LIST),
        ("my cases", "/cases/mine/", LIST),
        (f"case detail ({121 + 3} events)", f"/cases/{made['long_case']}/", LIST),
        ("notifications", "/notifications/", LIST),
        ("dashboard, a year", f"/reports/?{YEAR}", DASHBOARD),
        ("dashboard's lazy fragment", f"/reports/duty/?{YEAR}", DASHBOARD),
        ("quota table", "/field/quota/?month=2026-02", DASHBOARD),
        ("scorecard", "/accountability/scorecard/", DASHBOARD),
        (f"ledger book ({LEDGER_HOUSEHOLDS} households)", f"/field/ledgers/{book.pk}/", DASHBOARD),
        ("visit list", "/field/visits/", LIST),
        ("public board (公开办)", f"/p/{county.code}/board/", LIST),
        ("API /api/clients", "/api/clients", LIST),
        ("API /api/v1/cases", "/api/v1/cases", LIST),
        ("API /api/v1/households", "/api/v1/households", LIST),
        ("API /api/v1/visits", "/api/v1/visits", LIST),
    ]


SLOW = 1.0  # seconds: a page slower than this is timed 3 times, without the concurrent run


def _get(client: Client, path: str) -> tuple[float, int]:
    """(seconds, status); status 0 when the server dropped the request (a worker killed by its timeout)."""
    started = time.perf_counter()
    try:
        status, _location, _text = client.request("GET", path)
    except Exception:  # noqa: BLE001 - a dropped request is a result to report, not a crash
        status = 0
    return time.perf_counter() - started, status


FLOOR_SAMPLES = 60  # the floor and the bare view: cheap, so timed more often than a page


def _beside(client: Client, path: str, reference: str, n: int = SEQUENTIAL) -> tuple[float, float, list[int]]:
    """(median of `path`, median of `reference`, statuses): the two requested in turn, n times each, so
    that whatever slows the machine for a while (another tenant, the database's background work)
    slows both alike and the ratio between them holds. A page slower than SLOW is timed 3 times."""
    first, status = _get(client, path)  # warm: the worker's caches, the OS's
    _get(client, reference)
    statuses = [status]
    timings, references = [], []
    for _ in range(n if first < SLOW else 3):
        seconds, status = _get(client, path)
        timings.append(seconds)
        statuses.append(status)
        seconds, status = _get(client, reference)
        references.append(seconds)
        statuses.append(status)
    return statistics.median(timings), statistics.median(references), statuses


def _concurrent(clients: list[Client], path: str) -> tuple[float, float, list[int]]:
    """(requests per second, median latency, statuses) of CONNECTIONS clients for SECONDS."""
    lock, timings, statuses = threading.Lock(), [], []
    deadline = time.monotonic() + SECONDS

    def loop(client):
        while time.monotonic() < deadline:
            try:
                seconds, status = _get(client, path)
            except Exception:  # a refused or dropped connection
                seconds, status = 0.0, 0
            with lock:
                timings.append(seconds)
                statuses.append(status)

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return len(timings) / elapsed, statistics.median(timings) if timings else float("inf"), statuses


def check_registration(county, say=print) -> int:
    """Register a case on the generated data as a user would (rolled back): the next number of the
    bureau's year, a time limit on the working-day calendar. Returns the failures (0 or 1)."""
    from sanwen.campaigns.models import Campaign
    from sanwen.cases.models import Case, CaseCounter
    from sanwen.cases.services import case_accept, case_register
    from sanwen.clients.models import Household
    from sanwen.core.calendar import WorkingCalendar
    from sanwen.org.models import Staff

    leader = Staff.objects.filter(bureau=county, role="leader").order_by("pk").first()
    household = Household.objects.filter(bureau=county).order_by("pk").first()
    campaign = Campaign.objects.get(bureau=county)
    on = datetime.date(2026, 4, 30)  # before 劳动节 (1–5 May 2026, with a make-up day on 9 May)
    try:
        with transaction.atomic():
            last = (
                CaseCounter.objects.filter(bureau=county, year=on.year).values_list("last", flat=True).first()
            )
            case = case_register(
                bureau=county,
                by=leader,
                title="基准登记",
                description="生成数据之后登记一件",
                ask_kind="need",
                source="visit",
                household=household,
                raised_on=on,
            )
            case = case_accept(
                case=case, by=leader, mode=campaign.handlingmode_set.get(code="on_site"), on=on
            )
            expected = WorkingCalendar.load().add_working_days(on, 5)
            ok = case.sequence == (last or 0) + 1 and case.deadline == expected
            say(
                f"  registration after generation: {case.number} (counter was {last}), time limit "
                f"{case.deadline} (the calendar's 5th working day: {expected}): {'ok' if ok else 'WRONG'}"
            )
            assert Case.objects.filter(pk=case.pk).exists()
            transaction.set_rollback(True)
            return 0 if ok else 1
    except Exception as exc:  # the failure the issue names: a UNIQUE constraint on the number
        say(f"  registration after generation FAILED: {type(exc).__name__}: {exc}")
        return 1


def measure_clock(say=print) -> Result:
    """One clock pass over the alerts of the last days up to BENCH_TODAY (about CLOCK_ALERTS of them),
    as if those days' passes had not run: alerts logged, bells rung, e-mails built (dummy backend)."""
    from django.conf import settings
    from django.test.utils import override_settings

    from sanwen.cases.alerts import due_in_window
    from sanwen.cases.clock import clock_pass
    from sanwen.cases.models import AlertMail, Case, ClockRun

    days = 1
    while days < 60:
        first = BENCH_TODAY - datetime.timedelta(days=days)
        if due_in_window(first=first, last=BENCH_TODAY).count() >= CLOCK_ALERTS:
            break
        days += 1
    open_cases = Case.objects.open().count()
    outcome = {}

    def one_pass(send_email: bool):
        with transaction.atomic():
            AlertMail.objects.filter(due__gte=first).delete()
            ClockRun.objects.update(last_day=first)
            from sanwen.org.models import Staff

            Staff.objects.filter(email="").update(email="bench@example.invalid")
            started = time.perf_counter()
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                outcome["result"] = clock_pass(today=BENCH_TODAY, send_email=send_email)
            outcome["seconds"] = time.perf_counter() - started
            transaction.set_rollback(True)
        return outcome["seconds"]

    bare = min(one_pass(False) for _ in range(2))
    seconds = min(one_pass(True) for _ in range(2))
    result = outcome["result"]
    note = (
        f"{open_cases:,} open cases, days {first}..{BENCH_TODAY}: {result.alerts:,} alerts issued, "
        f"{result.emailed:,} e-mails built; without e-mail {bare:.3f}s ({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
    )
    say(f"  clock: {seconds:.3f}s — {note}")
    return Result(
        name=f"clock pass, {result.alerts:,} alerts",
        database=connection.vendor,
        seconds=seconds,
        floor_seconds=bare,
        max_ratio=10,
        max_seconds=2.0,
        note=note,
        failures=0 if result.alerts >= CLOCK_ALERTS * 0.9 else 1,
    )


def prepare() -> dict:
    """Only make the data (`python -c 'import bench.bench_pages as p; p.prepare()'`)."""
    from bench.__main__ import setup

    setup()
    return _data(_layout())


def run() -> list[Result]:
    layout = _layout()
    made = _data(layout)
    database = connection.vendor
    people = _people(layout, made)
    book = _ledger_book(people["county"], made)
    results = []
    failures = check_registration(people["county"])
    results.append(measure_clock())
    from sanwen.cases.models import Case
    from sanwen.core.access import may_see

    long_case = Case.objects.get(pk=made["long_case"])
    # A province's leader reads the counties' figures, not their cases or ledger books (the policy).
    records = {f"/cases/{long_case.pk}/": long_case, f"/field/ledgers/{book.pk}/": book}
    unreadable = {
        role: {path for path, record in records.items() if not may_see(record, people[role])}
        for role in ("leader", "staff")
    }
    unreadable_why = "a county's record; a province's leader reads the counties' figures, not their records"
    server_env = _server_env() | {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    pages = _pages(made, book, people["county"])
    connections.close_all()
    port = _free_port_in(PORTS)
    log = ROOT / "var" / f"bench-pages-gunicorn-{database}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "bench.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS)],
            cwd=ROOT,
            env=server_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(port, server)
            for role in ("leader", "staff"):
                person = people[role]
                clients = [Client(port) for _ in range(CONNECTIONS)]
                for client in clients:
                    _log_in(client, person.username)
                one = clients[0]
                floor, bare, floor_status = _beside(one, "/bench/floor/", "/bench/bare/", FLOOR_SAMPLES)
                floor_rate, _p, floor_load_status = _concurrent(clients, "/bench/floor/")
                bad = sum(s != 200 for s in floor_status + floor_load_status)
                where = f"{layout['name']}, {role}"
                results.append(
                    Result(
                        name=f"floor / bare Django ({role})",
                        database=database,
                        seconds=floor,
                        floor_seconds=bare,
                        max_ratio=2,
                        note=f"{where}: floor {floor * 1000:.1f} ms, bare {bare * 1000:.1f} ms, "
                        f"floor under load {floor_rate:.1f} req/s",
                        failures=bad,
                    )
                )
                lines.append(
                    f"{where}: bare {bare * 1000:.1f} ms, floor {floor * 1000:.1f} ms, {floor_rate:.1f}/s"
                )
                for name, path, target in pages:
                    if path in unreadable[role]:
                        line = f"{where} {path}: not measured (not theirs to read: {unreadable_why})"
                        print(f"  {line}", flush=True)
                        lines.append(line)
                        continue
                    # The page beside the floor, each request of one followed by one of the other.
                    p50, floor, statuses = _beside(one, path, "/bench/floor/")
                    if p50 < SLOW:
                        rate, loaded_p50, load_statuses = _concurrent(clients, path)
                    else:  # the concurrent run would only queue behind it
                        rate, loaded_p50, load_statuses = 1 / p50, float("nan"), []
                    bad = sum(s != 200 for s in statuses + load_statuses)
                    note = (
                        f"{where} {path}: p50 {p50 * 1000:.1f} ms ({p50 / floor:.2f}× floor); {CONNECTIONS} "
                        f"connections {SECONDS:g}s: {rate:.1f} req/s (floor {floor_rate:.1f}/s: "
                        f"{floor_rate / rate if rate else float('inf'):.2f}×), p50 {loaded_p50 * 1000:.0f} ms"
                        + (f"; {bad} answers not 200: {sorted(set(statuses + load_statuses))}" if bad else "")
                    )
                    print(f"  {note}", flush=True)
                    lines.append(note)
                    results.append(
                        Result(
                            name=f"{name} ({role})",
                            database=database,
                            seconds=p50,
                            floor_seconds=floor,
                            max_ratio=target,
                            note=note,
                            failures=bad,
                        )
                    )
        finally:
            server.terminate()
            server.wait(timeout=60)
    tracebacks = log.read_text(encoding="utf-8", errors="replace").count("Traceback")
    results[0].failures += failures + tracebacks
    summary = (
        f"{layout['name']} ({made.get('cases', 0):,} cases, {made.get('visits', 0):,} visits, "
        f"{made.get('households', 0):,} households), gunicorn {WORKERS} workers; {tracebacks} tracebacks; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"  {summary}")
    results[0].note += f" | {summary}"
    return results


def _log_in(client: Client, username: str) -> None:
    status, _location, _text = client.request("GET", "/login/")
    assert status == 200, f"GET /login/ answered {status}"
    status, location, _text = client.request(
        "POST", "/login/", {"username": username, "password": PASSWORD, "next": "/bench/bare/"}
    )
    assert status == 302 and location == "/bench/bare/", f"{username} could not log in: {status} {location}"


def _free_port_in(ports: str) -> int:
    os.environ["BENCH_PORTS"] = ports
    import bench.bench_write as write

    write.PORTS = ports
    return _free_port()

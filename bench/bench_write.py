"""Write load over HTTP: gunicorn with 4 workers (DEBUG off) on 127.0.0.1, 20 clients, each logged in as
its own staff member, recording case notes and visits for 30 seconds (BENCH_WRITE_SECONDS). No request may
fail and every write answered with success must be in the database afterwards (each carries a marker
that is looked for). The time is seconds per write at the throughput reached; the floor is seconds per
request of the same clients on the same server for a request that reads the session and writes nothing
(a logged-in GET of /login/, which redirects), measured first in the same run."""

import datetime
import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, connections

from bench.common import Result

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
CLIENTS = 20
SECONDS = float(os.environ.get("BENCH_WRITE_SECONDS", "30"))
FLOOR_SECONDS = float(os.environ.get("BENCH_WRITE_FLOOR_SECONDS", "10"))
PORTS = os.environ.get("BENCH_PORTS", "18100-18199")
PASSWORD = secrets.token_urlsafe(12)
TIMEOUT = 60  # seconds a client waits for one answer; SQLite writers wait up to 20 s for the lock


def runs_on() -> bool:
    return True


@dataclass
class Tally:
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    notes: set[str] = field(default_factory=set)  # markers of the notes acknowledged
    visits: set[str] = field(default_factory=set)  # markers of the visits acknowledged


class Client:
    """One browser: its own connection, session and CSRF cookies."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(form, doseq=True) if form is not None else None
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    # The messages cookie would be read by the page the client is sent to next; this
                    # client does not follow redirects, so it drops it (else it grows into the session).
                    if name.strip() != "messages":
                        self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.getheader("Location", ""), text
        finally:
            conn.close()

    def log_in(self, username: str) -> None:
        status, _location, _text = self.request("GET", "/login/")
        assert status == 200, f"GET /login/ answered {status}"
        status, location, _text = self.request(
            "POST", "/login/", {"username": username, "password": PASSWORD, "next": "/field/"}
        )
        assert status == 302 and location == "/field/", f"{username} could not log in: {status} {location}"


def _free_port() -> int:
    first, last = (int(p) for p in PORTS.split("-"))
    for port in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


def _prepare() -> list[dict]:
    """The test world, 20 staff members of its first county and an assigned case for each."""
    from sanwen.campaigns.models import HandlingMode
    from sanwen.cases.services import case_accept, case_assign, case_register
    from sanwen.core.access import Role
    from sanwen.org.models import Rank
    from sanwen.org.services import staff_create
    from sanwen.testing import build_world

    world = build_world()
    a = world.a
    head = a.users[Role.DEPT_HEAD]
    mode = HandlingMode.objects.get(campaign=a.campaign, code="immediate")
    today = datetime.date.today()
    people = []
    for i in range(CLIENTS):
        person = staff_create(
            bureau=a.bureau,
            department=a.department,
            username=f"writer{i:02d}",
            name=f"写入{i:02d}",
            password=PASSWORD,
            role=Role.STAFF,
            rank=Rank.KEY_STAFF,
        )
        case = case_register(
            bureau=a.bureau,
            by=person,
            mode=mode,
            raised_on=today,
            description="订货系统经常登录不上",
            ask_kind="need",
            source="phone",
            household=a.retailer,
        )
        case = case_accept(case=case, by=head, on=today)
        case = case_assign(case=case, by=head, owner=person, on=today)
        people.append({"username": person.username, "case": case.pk})
    households = [a.farmer.pk, a.retailer.pk]
    for person in people:
        person["households"] = households
    return people


def _server_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        # Pages link static files by plain names: the benchmark runs no collectstatic.
        "STATIC_MANIFEST": "false",
        "LOG_LEVEL": "ERROR",
    }
    if connection.vendor == "sqlite":
        # The URL form, which used to miss WAL, BEGIN IMMEDIATE and the busy timeout (11.8 % of writes
        # failed with "database is locked"); core/tests/test_database_settings.py shows both forms agree.
        env.pop("SQLITE_PATH", None)
        env["DATABASE_URL"] = f"sqlite:///{connection.settings_dict['NAME']}"
    return env


def _run_clients(port: int, people: list[dict], seconds: float, work) -> Tally:
    tally = Tally()
    lock = threading.Lock()
    clients = [Client(port) for _ in people]
    for client, person in zip(clients, people, strict=True):
        client.log_in(person["username"])
    deadline = time.monotonic() + seconds

    def loop(index: int):
        client, person, sequence = clients[index], people[index], 0
        while time.monotonic() < deadline:
            sequence += 1
            try:
                outcome = work(client, person, f"bench-{index:02d}-{sequence:06d}", sequence)
            except Exception as exc:  # a refused or dropped connection, a timeout
                outcome = ("error", f"{type(exc).__name__}: {exc}")
            with lock:
                tally.requests += 1
                kind, detail = outcome
                if kind == "error":
                    tally.errors.append(detail)
                elif kind == "note":
                    tally.notes.add(detail)
                elif kind == "visit":
                    tally.visits.add(detail)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def _floor_work(client: Client, person: dict, marker: str, sequence: int):
    status, location, _text = client.request("GET", "/login/")
    if status == 302 and location == "/":
        return ("read", marker)
    return ("error", f"GET /login/ (logged in) answered {status} {location}")


def _write_work(client: Client, person: dict, marker: str, sequence: int):
    if sequence % 2:
        path = f"/cases/{person['case']}/note/"
        status, location, text = client.request("POST", path, {"text": f"进展 {marker}"})
        if status == 302 and location == f"/cases/{person['case']}/":
            return ("note", marker)
    else:
        path = "/field/visits/new/"
        form = {
            "on": datetime.date.today().isoformat(),
            "channel": "face",
            "households": ",".join(str(h) for h in person["households"]),
            "diary": f"走访 {marker}",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        }
        status, location, text = client.request("POST", path, form)
        if status == 302 and re.fullmatch(r"/field/visits/\d+/", location):
            return ("visit", marker)
    return ("error", f"POST {path} answered {status} {location} {text[:200]!r}")


def _in_database(tally: Tally) -> tuple[int, int]:
    from sanwen.cases.models import CaseEvent, EventKind
    from sanwen.fieldwork.models import Visit

    notes = {
        text.removeprefix("进展 ")
        for text in CaseEvent.objects.filter(kind=EventKind.NOTE, text__startswith="进展 bench-").values_list(
            "text", flat=True
        )
    }
    visits = {
        diary.removeprefix("走访 ")
        for diary in Visit.objects.filter(diary__startswith="走访 bench-").values_list("diary", flat=True)
    }
    return len(tally.notes & notes), len(tally.visits & visits)


def run() -> list[Result]:
    people = _prepare()
    database = connection.vendor
    server_env = _server_env()
    connections.close_all()
    port = _free_port()
    log = ROOT / "var" / f"bench-write-gunicorn-{database}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "sanwen.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS)],
            cwd=ROOT,
            env=server_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(port, server)
            floor = _run_clients(port, people, FLOOR_SECONDS, _floor_work)
            load = _run_clients(port, people, SECONDS, _write_work)
        finally:
            server.terminate()
            server.wait(timeout=60)
    stored_notes, stored_visits = _in_database(load)
    acknowledged = len(load.notes) + len(load.visits)
    lost = acknowledged - stored_notes - stored_visits
    server_errors = log.read_text(encoding="utf-8", errors="replace").count("Traceback")
    seconds = SECONDS / acknowledged if acknowledged else float("inf")
    floor_seconds = FLOOR_SECONDS / floor.requests if floor.requests else float("inf")
    note = (
        f"{CLIENTS} clients, {WORKERS} workers, {SECONDS:g} s: {load.requests:,} requests, "
        f"{len(load.errors)} errors; {acknowledged:,} writes acknowledged ({len(load.notes):,} case notes, "
        f"{len(load.visits):,} visits), {stored_notes + stored_visits:,} of them found in the database; "
        f"{acknowledged / SECONDS:.1f} writes/s against {floor.requests / FLOOR_SECONDS:.1f} session reads/s "
        f"({len(floor.errors)} errors); {server_errors} tracebacks in the server log; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"  write: {note}")
    for error in (floor.errors + load.errors)[:5]:
        print(f"    {error}")
    return [
        Result(
            name="write load, 20 clients, 4 workers",
            database=database,
            seconds=seconds,
            floor_seconds=floor_seconds,
            max_ratio=10,
            note=note,
            failures=len(load.errors) + len(floor.errors) + lost + server_errors,
        )
    ]


def _wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start within 60 s")

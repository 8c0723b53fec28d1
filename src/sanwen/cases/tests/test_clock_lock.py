"""Several app servers each run the clock; one pass runs at a time, and a pass that finds another one
running skips its turn. Two real `sanwen clock --once` processes against the test database."""

import datetime
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from sanwen.cases.models import AlertMail, ClockRun
from sanwen.core.access import Role

ROOT = Path(__file__).resolve().parents[4]
# `sanwen clock`, held while it queues its messages until the test opens the gate (mail_gate).
HELD = "from sanwen.cases.tests.mail_gate import hold_the_outbox; hold_the_outbox(); from sanwen.cli import main; main()"


def _database_env(tmp_path) -> tuple[dict, Path | None]:
    """The environment that points a subprocess at the test database (an in-memory SQLite test
    database is copied to a file first)."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        url = f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        return {"DATABASE_URL": url}, None
    path = Path(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        path = tmp_path / "clock.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(path)
        connection.connection.backup(copy)
        copy.close()
    return {"SQLITE_PATH": str(path)}, path


def _clock(env) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "-c", HELD, "clock", "--once", "--date", "2026-03-06"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _has_open(process: subprocess.Popen, path: Path) -> bool:
    fds = Path(f"/proc/{process.pid}/fd")
    try:
        return any(os.path.realpath(fd) == str(path.resolve()) for fd in fds.iterdir())
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_two_servers_starting_a_pass_together_run_it_once(world, assigned, tmp_path):
    staff = world.a.users[Role.STAFF]
    staff.email = "staff@example.org"
    staff.save(update_fields=["email"])
    assigned("on_site", on=datetime.date(2026, 3, 2))  # reminded on Friday 6 March; "assigned" notice
    database, sqlite_file = _database_env(tmp_path)
    keep = ("DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE", "EMAIL_BACKEND")
    env = {k: v for k, v in os.environ.items() if k not in keep} | database
    env |= {
        "DEBUG": "true",
        "EMAIL_BACKEND": "sanwen.cases.tests.mail_gate.GatedBackend",
        "SANWEN_TEST_MAIL_GATE": str(tmp_path / "gate"),
    }

    first = _clock(env)
    deadline = time.monotonic() + 60
    while not (tmp_path / "sending").exists():  # the first pass holds the clock, sending its mail
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = _clock(env)
    # PostgreSQL: the second pass finds the lock taken and ends at once. SQLite: it waits at BEGIN
    # IMMEDIATE behind the first; let the first finish once the second has opened the database.
    while second.poll() is None and not (sqlite_file and _has_open(second, sqlite_file)):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (tmp_path / "gate").touch()
    outputs = [p.communicate(timeout=60) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    assert "1 reminders" in outputs[0][0] and "2 messages queued" in outputs[0][0], outputs
    assert "skipped: another pass was running" in outputs[1][0], outputs

    if sqlite_file and connection.is_in_memory_db():
        with sqlite3.connect(sqlite_file) as db:
            passes = db.execute(f"SELECT passes FROM {ClockRun._meta.db_table}").fetchall()  # noqa: S608
            mails = db.execute(f"SELECT COUNT(*) FROM {AlertMail._meta.db_table}").fetchone()[0]  # noqa: S608
    else:
        passes = list(ClockRun.objects.values_list("passes"))
        mails = AlertMail.objects.count()
    assert passes == [(1,)] and mails == 1

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]

# Run in a fresh interpreter: the settings read the environment once, at start-up.
PROBE = """
import json
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
print(json.dumps({"journal": journal, "busy": busy, "mode": connection.transaction_mode,
                  "name": str(connection.settings_dict["NAME"])}))
"""


def _probe(**env) -> dict:
    dropped = ("DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE")
    environment = {k: v for k, v in os.environ.items() if k not in dropped} | {"DEBUG": "true", **env}
    result = subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", PROBE],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("form", ["SQLITE_PATH", "DATABASE_URL"])
def test_sqlite_gets_wal_immediate_transactions_and_a_busy_timeout_whichever_way_it_is_named(form, tmp_path):
    path = tmp_path / "sanwen.sqlite3"
    env = {"SQLITE_PATH": str(path)} if form == "SQLITE_PATH" else {"DATABASE_URL": f"sqlite:///{path}"}
    probe = _probe(**env)
    assert probe == {"journal": "wal", "busy": 20000, "mode": "IMMEDIATE", "name": str(path)}

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def sanwen(*args, env):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the SQLite round trip")
def test_a_sqlite_backup_restores_what_was_there(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="true", SQLITE_PATH=str(tmp_path / "live.sqlite3"), SANWEN_VAR_DIR=str(tmp_path))
    assert sanwen("migrate", "-v0", env=env).returncode == 0
    assert "31 places added" in sanwen("load_places", env=env).stdout
    backup = tmp_path / "copy.sqlite3"
    result = sanwen("backup", str(backup), env=env)
    assert result.returncode == 0 and "Backed up" in result.stdout
    # Something is lost after the backup ...
    code = "from sanwen.org.models import Place; Place.objects.filter(level='village').delete()"
    assert sanwen("shell", "--no-imports", "-c", code, env=env).returncode == 0
    count = "from sanwen.org.models import Place; print(Place.objects.count())"
    assert sanwen("shell", "--no-imports", "-c", count, env=env).stdout.strip() == "16"
    # ... and comes back with the restore.
    result = sanwen("restore", str(backup), "--yes", env=env)
    assert result.returncode == 0, result.stderr
    assert sanwen("shell", "--no-imports", "-c", count, env=env).stdout.strip() == "31"


def test_restoring_a_file_that_is_not_a_backup_is_refused(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="true", SQLITE_PATH=str(tmp_path / "live.sqlite3"), SANWEN_VAR_DIR=str(tmp_path))
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"not a database")
    result = sanwen("restore", str(bogus), "--yes", env=env)
    assert result.returncode != 0 and "not" in result.stderr


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the PostgreSQL round trip"
)
def test_a_postgresql_backup_restores_what_was_there(tmp_path):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    server = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    scratch = "sanwen_backup_test"
    with psycopg.connect(**server) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {scratch}")
    try:
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{scratch}"
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(DEBUG="true", DATABASE_URL=url, SANWEN_VAR_DIR=str(tmp_path), DB_CONN_MAX_AGE="0")
        assert sanwen("migrate", "-v0", env=env).returncode == 0
        assert sanwen("load_places", env=env).returncode == 0
        backup = tmp_path / "copy.dump"
        assert sanwen("backup", str(backup), env=env).returncode == 0
        code = "from sanwen.org.models import Place; Place.objects.filter(level='village').delete()"
        assert sanwen("shell", "--no-imports", "-c", code, env=env).returncode == 0
        count = "from sanwen.org.models import Place; print(Place.objects.count())"
        assert sanwen("shell", "--no-imports", "-c", count, env=env).stdout.strip() == "16"
        result = sanwen("restore", str(backup), "--yes", env=env)
        assert result.returncode == 0, result.stderr
        assert sanwen("shell", "--no-imports", "-c", count, env=env).stdout.strip() == "31"
    finally:
        with psycopg.connect(**server) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")

"""`python -m bench [names…]`: run benchmarks on a scratch database (SQLite var/bench.sqlite3, or the
PostgreSQL database named by BENCH_DATABASE_URL), each on a fresh database, and print a table of
times and ratios against a hand-written floor measured in the same run (also written to results/).
BENCH_REUSE=1 keeps the province a previous run generated, for the benchmarks that only read it."""

import os
import sys
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BENCHMARKS = {
    "import": "bench.bench_import",
    "clock": "bench.bench_clock",
    "fieldwork": "bench.bench_fieldwork",
    "scorecard": "bench.bench_scorecard",
    "reports": "bench.bench_reports",
    "write": "bench.bench_write",
    "pages": "bench.bench_pages",
}


def setup():
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "sanwen.settings"
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(ROOT / "var" / "bench.sqlite3")
    import django

    django.setup()


def fresh_database():
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.close()
        path = Path(settings.DATABASES["default"]["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        config = settings.DATABASES["default"]
        connection.close()
        _recreate_postgres_database(config)
    call_command("migrate", verbosity=0)


def _recreate_postgres_database(config):
    import psycopg
    from psycopg import sql

    params = {
        "host": config["HOST"],
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(config["NAME"]))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def main(names):
    setup()
    from bench.common import report, scale
    from bench.generate import reusable

    results = []
    for name in names or list(BENCHMARKS):
        module = import_module(BENCHMARKS[name])
        if not module.runs_on():
            print(f"== {name}: skipped ({module.__doc__.splitlines()[0]})")
            continue
        print(f"== {name}", flush=True)
        if getattr(module, "MANAGES_DATA", False):
            pass  # it makes (or, with BENCH_REUSE=1, reuses) its own data
        elif not (getattr(module, "REUSES_PROVINCE", False) and reusable(scale(), fieldwork=True)):
            fresh_database()
        results += module.run()
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

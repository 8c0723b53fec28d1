"""`python -m bench [names…]`: run the benchmarks on a scratch database (SQLite var/bench.sqlite3, or
the PostgreSQL database named by BENCH_DATABASE_URL) and print a table of times and ratios."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DEBUG", "true")
os.environ["DJANGO_SETTINGS_MODULE"] = "sanwen.settings"
if os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = str(ROOT / "var" / "bench.sqlite3")

BENCHMARKS = {
    "import": "bench.bench_import",
}


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
        _create_postgres_database(settings.DATABASES["default"])
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def _create_postgres_database(config):
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
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def main(names):
    import django

    django.setup()
    from importlib import import_module

    from bench.common import report

    fresh_database()
    results = []
    for name in names or list(BENCHMARKS):
        module = import_module(BENCHMARKS[name])
        print(f"== {name}", flush=True)
        results += module.run()
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

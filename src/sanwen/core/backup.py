"""Backup and restore, one command each: SQLite through its online backup API (safe while the site
runs), PostgreSQL through pg_dump / pg_restore."""

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection


class BackupError(Exception):
    pass


def default_path() -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if connection.vendor == "sqlite" else "dump"
    return settings.VAR_DIR / "backups" / f"sanwen-{stamp}.{suffix}"


def _pg_env_and_args(config: dict) -> tuple[dict, list[str]]:
    env = dict(os.environ)
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = config["PASSWORD"]
    args = [
        "-h",
        config.get("HOST") or "localhost",
        "-p",
        str(config.get("PORT") or 5432),
        "-U",
        config.get("USER") or "postgres",
        "-d",
        config["NAME"],
    ]
    return env, args


def backup(path: Path | None = None) -> Path:
    path = Path(path or default_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    config = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        with target:
            connection.connection.backup(target)
        target.close()
    elif connection.vendor == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if not pg_dump:
            raise BackupError("pg_dump is not installed (Debian: postgresql-client).")
        env, args = _pg_env_and_args(config)
        result = subprocess.run(
            [pg_dump, "-Fc", "-f", str(path), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise BackupError(result.stderr.strip())
    else:
        raise BackupError(f"No backup for the {connection.vendor} database.")
    return path


def restore(path: Path) -> None:
    """Replace the database's content with the backup's. The caller confirms first."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No such file: {path}")
    config = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is not an intact SQLite database.")
            if not source.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone():
                raise BackupError(f"{path} is not a Sanwen database.")
            connection.ensure_connection()
            source.backup(connection.connection)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite database: {exc}") from exc
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        pg_restore = shutil.which("pg_restore")
        if not pg_restore:
            raise BackupError("pg_restore is not installed (Debian: postgresql-client).")
        connection.close()
        env, args = _pg_env_and_args(config)
        result = subprocess.run(
            [pg_restore, "--clean", "--if-exists", "--no-owner", *args, str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise BackupError(result.stderr.strip())
    else:
        raise BackupError(f"No restore for the {connection.vendor} database.")

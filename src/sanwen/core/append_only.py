"""The audit trail is append-only inside the database: triggers refuse UPDATE, DELETE and (on
PostgreSQL) TRUNCATE of core_auditevent, whoever sends them. A restore replaces the whole database
(SQLite's backup API, pg_restore --clean drops and recreates the table), which the triggers allow."""

TABLE = "core_auditevent"
MESSAGE = "the audit trail is append-only"

SQLITE_UP = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    # SQLite has no TRUNCATE: "DELETE FROM t" without WHERE is its truncation, and a trigger
    # turns off the truncate optimisation, so this refuses both.
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_UP.append(
    # INSERT OR REPLACE deletes the row it replaces without firing delete triggers (unless
    # recursive_triggers is on): an insert may never reuse an id.
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_replace BEFORE INSERT ON {TABLE}
    WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""  # noqa: S608 - constants, no input
)
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_replace;",
]

PG_UP = [
    f"""CREATE OR REPLACE FUNCTION {TABLE}_refuse() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END; $$ LANGUAGE plpgsql;""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE};",
    f"""CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse();""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete ON {TABLE};",
    f"""CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse();""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse();""",
]
PG_DOWN = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE};",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete ON {TABLE};",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};",
]


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def protect(connection) -> None:
    _run(connection, {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(connection.vendor, []))


def unprotect(connection) -> None:
    """Only for erasing a whole scratch database (the test runner's flush); never called by the platform."""
    _run(connection, {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(connection.vendor, []))

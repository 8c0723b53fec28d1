"""What the trigger migrations share: running one list of statements on SQLite and another on
PostgreSQL (the triggers and the fill of the rows already there), and the first of a date's month
in each dialect."""

from django.db import migrations


def sqlite_month(column: str) -> str:
    return f"date({column}, 'start of month')"


def pg_month(column: str) -> str:
    return f"date_trunc('month', {column})::date"


def per_vendor(*, sqlite: list[str], pg: list[str], sqlite_down: list[str], pg_down: list[str]):
    """A migration operation that runs `sqlite` or `pg` forwards, `sqlite_down` or `pg_down` back."""

    def run(statements_of):
        def execute(apps, schema_editor):
            for statement in statements_of(schema_editor.connection.vendor == "sqlite"):
                schema_editor.execute(statement, params=None)

        return execute

    return migrations.RunPython(
        run(lambda on_sqlite: sqlite if on_sqlite else pg),
        run(lambda on_sqlite: sqlite_down if on_sqlite else pg_down),
    )

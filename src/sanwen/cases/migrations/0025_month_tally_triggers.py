"""Triggers that keep cases.MonthTally: per bureau and month, the late resolutions (by the month of
the step), the resolutions whose return visit is missed as things stand (by the month it fell due)
and the marks of cases.SkippedStep (by their day); and the counts of the rows already there.

A row's part is added when it is written and taken away when it is removed; a change to a column a
count reads takes the old part away and adds the new. Taking away only lowers a count that exists
(never inserts), so a flush that empties the tables in any order leaves no row behind.

Triggers fire on: INSERT/UPDATE/DELETE of cases_caseevent and of cases_skippedstep."""

from django.db import migrations

from sanwen.core.dbtriggers import per_vendor, pg_month, sqlite_month

# What each count reads of a resolution `r` (OLD or NEW): its condition and the day it falls in.
LATE = ("late", "{r}.kind = 'resolved' AND {r}.\"on\" > {r}.deadline AND {r}.bureau_id IS NOT NULL", '"on"')
MISSED = (
    "missed",
    "{r}.kind = 'resolved' AND {r}.due_on IS NOT NULL AND {r}.bureau_id IS NOT NULL"
    " AND ({r}.answered_on IS NULL OR {r}.answered_on > {r}.due_on)",
    "due_on",
)
SKIPPED = ("skipped", '{r}.bureau_id IS NOT NULL AND {r}."on" IS NOT NULL', '"on"')
EVENT_FIELDS = ("kind", '"on"', "deadline", "due_on", "answered_on", "bureau_id")
MARK_FIELDS = ('"on"', "bureau_id")


def _add(count, r: str, month) -> str:
    kind, condition, day = count
    return (
        "INSERT INTO cases_monthtally (bureau_id, kind, month, n) "
        f"SELECT {r}.bureau_id, '{kind}', {month(f'{r}.{day}')}, 1 WHERE {condition.format(r=r)} "
        "ON CONFLICT (bureau_id, kind, month) DO UPDATE SET n = cases_monthtally.n + 1;"
    )


def _take(count, r: str, month) -> str:
    kind, condition, day = count
    return (
        f"UPDATE cases_monthtally SET n = n - 1 WHERE bureau_id = {r}.bureau_id AND kind = '{kind}' "
        f"AND month = {month(f'{r}.{day}')} AND {condition.format(r=r)};"
    )


def _changed(fields, sqlite: bool) -> str:
    op = "IS NOT" if sqlite else "IS DISTINCT FROM"
    return " OR ".join(f"OLD.{f} {op} NEW.{f}" for f in fields)


def _statements(sqlite: bool):
    month = sqlite_month if sqlite else pg_month
    events = (LATE, MISSED)
    # (name, table, operation, condition, statements)
    return [
        (
            "event_insert",
            "cases_caseevent",
            "INSERT",
            "NEW.kind = 'resolved'",
            [_add(c, "NEW", month) for c in events],
        ),
        (
            "event_delete",
            "cases_caseevent",
            "DELETE",
            "OLD.kind = 'resolved'",
            [_take(c, "OLD", month) for c in events],
        ),
        (
            "event_update",
            "cases_caseevent",
            "UPDATE",
            f"(OLD.kind = 'resolved' OR NEW.kind = 'resolved') AND ({_changed(EVENT_FIELDS, sqlite)})",
            [_take(c, "OLD", month) for c in events] + [_add(c, "NEW", month) for c in events],
        ),
        ("mark_insert", "cases_skippedstep", "INSERT", None, [_add(SKIPPED, "NEW", month)]),
        ("mark_delete", "cases_skippedstep", "DELETE", None, [_take(SKIPPED, "OLD", month)]),
        (
            "mark_update",
            "cases_skippedstep",
            "UPDATE",
            _changed(MARK_FIELDS, sqlite),
            [_take(SKIPPED, "OLD", month), _add(SKIPPED, "NEW", month)],
        ),
    ]


SQLITE_UP = [
    f"CREATE TRIGGER cases_month_tally_{name} AFTER {operation} ON {table} "
    + (f"WHEN {condition} " if condition else "")
    + f"BEGIN {' '.join(body)} END;"
    for name, table, operation, condition, body in _statements(sqlite=True)
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS cases_month_tally_{s[0]};" for s in _statements(sqlite=True)]
PG_UP = []
for _name, _table, _operation, _condition, _body in _statements(sqlite=False):
    PG_UP += [
        f"""CREATE OR REPLACE FUNCTION cases_month_tally_{_name}() RETURNS trigger AS $$
        BEGIN {" ".join(_body)} RETURN NULL; END; $$ LANGUAGE plpgsql;""",
        f"CREATE TRIGGER cases_month_tally_{_name} AFTER {_operation} ON {_table} FOR EACH ROW "
        + (f"WHEN ({_condition}) " if _condition else "")
        + f"EXECUTE FUNCTION cases_month_tally_{_name}();",
    ]
PG_DOWN = [
    statement
    for name, table, *_rest in _statements(sqlite=False)
    for statement in (
        f"DROP TRIGGER IF EXISTS cases_month_tally_{name} ON {table};",
        f"DROP FUNCTION IF EXISTS cases_month_tally_{name}();",
    )
]


def _backfill(month) -> list[str]:
    def counted(count, table):
        kind, condition, day = count
        return (
            "INSERT INTO cases_monthtally (bureau_id, kind, month, n) "
            f"SELECT r.bureau_id, '{kind}', {month(f'r.{day}')}, COUNT(*) FROM {table} r "
            f"WHERE {condition.format(r='r')} GROUP BY r.bureau_id, {month(f'r.{day}')};"
        )

    return [
        "DELETE FROM cases_monthtally;",
        counted(LATE, "cases_caseevent"),
        counted(MISSED, "cases_caseevent"),
        counted(SKIPPED, "cases_skippedstep"),
    ]


class Migration(migrations.Migration):
    dependencies = [("cases", "0024_month_tally")]
    operations = [
        per_vendor(
            sqlite=SQLITE_UP + _backfill(sqlite_month),
            pg=PG_UP + _backfill(pg_month),
            sqlite_down=SQLITE_DOWN,
            pg_down=PG_DOWN,
        )
    ]

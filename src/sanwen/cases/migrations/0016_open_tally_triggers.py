"""Triggers that keep cases.OpenTally as the timeline's stamps change, and the tally of the rows
already there. An event counts while it is its case's latest step, the case stands open after it and
it has a day and a time limit: under its case's bureau, its limit and its day. Counting is an upsert
of +1; taking away an UPDATE of the row that counts it (never an insert: a flush deletes the cases
and events after the tally). A case moved to another bureau takes its open step along.

Triggers fire on: INSERT/UPDATE/DELETE of cases_caseevent, UPDATE of cases_case's bureau."""

from django.db import migrations

from sanwen.core.dbtriggers import per_vendor

KEY = 'bureau_id, deadline, "on"'
STAMPS = ("latest", "open_after", "deadline", '"on"', "case_id")


def counts(row: str, false: str) -> str:
    """The event counts in the tally."""
    return (
        f"COALESCE({row}.latest, {false}) AND COALESCE({row}.open_after, {false}) "
        f'AND {row}.deadline IS NOT NULL AND {row}."on" IS NOT NULL'
    )


def _add(row: str, when: str = "") -> str:
    return (
        f'INSERT INTO cases_opentally ({KEY}, n) SELECT c.bureau_id, {row}.deadline, {row}."on", 1 '
        f"FROM cases_case c WHERE c.id = {row}.case_id{when} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = cases_opentally.n + excluded.n;"
    )


def _take(row: str, when: str = "") -> str:
    return (
        f"UPDATE cases_opentally SET n = n - 1 WHERE deadline = {row}.deadline "
        f'AND "on" = {row}."on" AND bureau_id = (SELECT c.bureau_id FROM cases_case c WHERE c.id = {row}.case_id){when};'
    )


def _move(false: str) -> list[str]:
    """A case moved from OLD.bureau_id to NEW.bureau_id takes its counted step along."""
    counted = counts("e", false)
    return [
        "UPDATE cases_opentally SET n = n - (SELECT COUNT(*) FROM cases_caseevent e WHERE e.case_id = OLD.id "
        f'AND {counted} AND e.deadline = cases_opentally.deadline AND e."on" = cases_opentally."on") '
        "WHERE bureau_id = OLD.bureau_id;",
        f'INSERT INTO cases_opentally ({KEY}, n) SELECT NEW.bureau_id, e.deadline, e."on", COUNT(*) '
        f"FROM cases_caseevent e WHERE e.case_id = NEW.id AND {counted} GROUP BY 2, 3 "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = cases_opentally.n + excluded.n;",
    ]


SQLITE_CHANGED = " OR ".join(f"OLD.{f} IS NOT NEW.{f}" for f in STAMPS)
PG_CHANGED = " OR ".join(f"OLD.{f} IS DISTINCT FROM NEW.{f}" for f in STAMPS)

SQLITE_UP = [
    f"""CREATE TRIGGER cases_opentally_insert AFTER INSERT ON cases_caseevent
    WHEN {counts("NEW", "0")} BEGIN {_add("NEW")} END;""",
    f"""CREATE TRIGGER cases_opentally_delete AFTER DELETE ON cases_caseevent
    WHEN {counts("OLD", "0")} BEGIN {_take("OLD")} END;""",
    f"""CREATE TRIGGER cases_opentally_update AFTER UPDATE ON cases_caseevent
    WHEN ({counts("OLD", "0")} OR {counts("NEW", "0")}) AND ({SQLITE_CHANGED}) BEGIN
    {_take("OLD", " AND " + counts("OLD", "0"))}
    {_add("NEW", " AND " + counts("NEW", "0"))} END;""",
    f"""CREATE TRIGGER cases_opentally_case_moved AFTER UPDATE OF bureau_id ON cases_case
    WHEN OLD.bureau_id IS NOT NEW.bureau_id BEGIN {" ".join(_move("0"))} END;""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS cases_opentally_{what};"
    for what in ("insert", "delete", "update", "case_moved")
]
PG_UP = [
    f"""CREATE OR REPLACE FUNCTION cases_open_tally() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF {counts("NEW", "false")} THEN {_add("NEW")} END IF;
      ELSIF TG_OP = 'DELETE' THEN
        IF {counts("OLD", "false")} THEN {_take("OLD")} END IF;
      ELSIF {PG_CHANGED} THEN
        IF {counts("OLD", "false")} THEN {_take("OLD")} END IF;
        IF {counts("NEW", "false")} THEN {_add("NEW")} END IF;
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_open_tally AFTER INSERT OR UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION cases_open_tally();""",
    f"""CREATE OR REPLACE FUNCTION cases_open_tally_moved() RETURNS trigger AS $$
    BEGIN
      IF OLD.bureau_id IS DISTINCT FROM NEW.bureau_id THEN {" ".join(_move("false"))} END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_open_tally_moved AFTER UPDATE OF bureau_id ON cases_case
    FOR EACH ROW EXECUTE FUNCTION cases_open_tally_moved();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS cases_open_tally ON cases_caseevent;",
    "DROP FUNCTION IF EXISTS cases_open_tally();",
    "DROP TRIGGER IF EXISTS cases_open_tally_moved ON cases_case;",
    "DROP FUNCTION IF EXISTS cases_open_tally_moved();",
]


def _backfill(false: str) -> list[str]:
    return [
        "DELETE FROM cases_opentally;",
        f'INSERT INTO cases_opentally ({KEY}, n) SELECT c.bureau_id, e.deadline, e."on", COUNT(*) '
        f"FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id WHERE {counts('e', false)} "
        "GROUP BY 1, 2, 3;",
    ]



class Migration(migrations.Migration):
    dependencies = [("cases", "0015_open_tally")]
    operations = [
        per_vendor(
            sqlite=SQLITE_UP + _backfill("0"),
            pg=PG_UP + _backfill("false"),
            sqlite_down=SQLITE_DOWN,
            pg_down=PG_DOWN,
        )
    ]

"""Triggers that keep fieldwork.VisitedTally as households are met face to face (fieldwork.VisitedMonth
rows added or removed) and become active or inactive, and the tally of the rows already there.

A month added for a household counts under (its bureau, the month, the household's previous month),
and the household's next month, if any, moves from the old previous month to the new one; a month
removed does the reverse. Only active households count. On removal the rows taken away are UPDATEs
and the next month is moved back only while the tally counts it under the removed month, so a flush
(SQLite deletes the tables in any order) leaves no row behind, whichever table it empties first.

Triggers fire on: INSERT/DELETE of fieldwork_visitedmonth, UPDATE of clients_household's active."""

from django.db import migrations

from sanwen.core.dbtriggers import per_vendor

KEY = "bureau_id, month, prev"
NONE = "'1900-01-01'"  # fieldwork.models.NO_VISIT_BEFORE
VM = "fieldwork_visitedmonth"
UPSERT = f"ON CONFLICT ({KEY}) DO UPDATE SET n = fieldwork_visitedtally.n + excluded.n;"


def prev(row: str) -> str:
    """The household's previous month met before row's month."""
    return (
        f"COALESCE((SELECT MAX(p.month) FROM {VM} p WHERE p.household_id = {row}.household_id "
        f"AND p.month < {row}.month), {NONE})"
    )


def next_of(row: str, columns: str) -> str:
    return (
        f"SELECT {columns} FROM {VM} x JOIN clients_household h ON h.id = x.household_id AND h.active "
        f"WHERE x.household_id = {row}.household_id AND x.month > {row}.month ORDER BY x.month LIMIT 1"
    )


def active(row: str) -> str:
    return f"EXISTS (SELECT 1 FROM clients_household h WHERE h.id = {row}.household_id AND h.active)"


def added(row: str) -> list[str]:
    return [
        f"INSERT INTO fieldwork_visitedtally ({KEY}, n) SELECT {row}.bureau_id, {row}.month, {prev(row)}, 1 "
        f"FROM clients_household h WHERE h.id = {row}.household_id AND h.active {UPSERT}",
        f"UPDATE fieldwork_visitedtally SET n = n - 1 WHERE ({KEY}) = ({next_of(row, f'x.bureau_id, x.month, {prev(row)}')});",
        f"INSERT INTO fieldwork_visitedtally ({KEY}, n) {next_of(row, f'x.bureau_id, x.month, {row}.month, 1')} {UPSERT}",
    ]


def removed(row: str) -> list[str]:
    """The month's count taken away; the next month moves back to the previous month, only while it is
    counted under this one (a flush that emptied the tally first adds nothing)."""
    counted = (
        "EXISTS (SELECT 1 FROM fieldwork_visitedtally t WHERE t.bureau_id = y.bureau_id AND t.month = y.month "
        f"AND t.prev = {row}.month AND t.n > 0)"
    )
    return [
        f"UPDATE fieldwork_visitedtally SET n = n - 1 WHERE bureau_id = {row}.bureau_id AND month = {row}.month "
        f"AND prev = {prev(row)} AND {active(row)};",
        f"INSERT INTO fieldwork_visitedtally ({KEY}, n) SELECT y.bureau_id, y.month, {prev(row)}, 1 "
        f"FROM ({next_of(row, 'x.bureau_id, x.month')}) y WHERE {counted} {UPSERT}",
        f"UPDATE fieldwork_visitedtally SET n = n - 1 WHERE ({KEY}) = ({next_of(row, f'x.bureau_id, x.month, {row}.month')});",
    ]


def activity(sign: str) -> str:
    """Every month of NEW (a household) counted (sign +) or taken away (sign -)."""
    return (
        f"INSERT INTO fieldwork_visitedtally ({KEY}, n) SELECT v.bureau_id, v.month, {prev('v')}, {sign}1 "
        f"FROM {VM} v WHERE v.household_id = NEW.id {UPSERT}"
    )


SQLITE_UP = [
    f"""CREATE TRIGGER fieldwork_visitedtally_insert AFTER INSERT ON {VM} BEGIN {" ".join(added("NEW"))} END;""",
    f"""CREATE TRIGGER fieldwork_visitedtally_delete AFTER DELETE ON {VM} BEGIN {" ".join(removed("OLD"))} END;""",
    f"""CREATE TRIGGER fieldwork_visitedtally_active AFTER UPDATE OF active ON clients_household
    WHEN OLD.active IS NOT NEW.active BEGIN
    {activity("+").replace("WHERE v.household_id = NEW.id", "WHERE v.household_id = NEW.id AND NEW.active")}
    {activity("-").replace("WHERE v.household_id = NEW.id", "WHERE v.household_id = NEW.id AND NOT NEW.active")} END;""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS fieldwork_visitedtally_{what};" for what in ("insert", "delete", "active")
]
PG_UP = [
    f"""CREATE OR REPLACE FUNCTION fieldwork_visited_tally() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        {" ".join(added("NEW"))}
      ELSE
        {" ".join(removed("OLD"))}
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    f"""CREATE TRIGGER fieldwork_visited_tally AFTER INSERT OR DELETE ON {VM}
    FOR EACH ROW EXECUTE FUNCTION fieldwork_visited_tally();""",
    f"""CREATE OR REPLACE FUNCTION fieldwork_visited_tally_active() RETURNS trigger AS $$
    BEGIN
      IF OLD.active IS DISTINCT FROM NEW.active THEN
        IF NEW.active THEN {activity("+")} ELSE {activity("-")} END IF;
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER fieldwork_visited_tally_active AFTER UPDATE OF active ON clients_household
    FOR EACH ROW EXECUTE FUNCTION fieldwork_visited_tally_active();""",
]
PG_DOWN = [
    f"DROP TRIGGER IF EXISTS fieldwork_visited_tally ON {VM};",
    "DROP FUNCTION IF EXISTS fieldwork_visited_tally();",
    "DROP TRIGGER IF EXISTS fieldwork_visited_tally_active ON clients_household;",
    "DROP FUNCTION IF EXISTS fieldwork_visited_tally_active();",
]
BACKFILL = [
    "DELETE FROM fieldwork_visitedtally;",
    f"INSERT INTO fieldwork_visitedtally ({KEY}, n) SELECT v.bureau_id, v.month, {prev('v')}, COUNT(*) "
    f"FROM {VM} v JOIN clients_household h ON h.id = v.household_id AND h.active GROUP BY 1, 2, 3;",
]



class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0010_visited_tally")]
    operations = [
        per_vendor(
            sqlite=SQLITE_UP + BACKFILL,
            pg=PG_UP + BACKFILL,
            sqlite_down=SQLITE_DOWN,
            pg_down=PG_DOWN,
        )
    ]

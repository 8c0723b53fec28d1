"""Triggers that keep reports.CaseTally and reports.ResolutionTally as the cases and their timeline
change, and the tallies of the rows already there. A case or resolution added is an upsert of +1; one
taken away an UPDATE of the row that counts it (never an insert: a flush deletes cases after tallies)."""

from django.db import migrations

from sanwen.core.dbtriggers import per_vendor, pg_month, sqlite_month

E_ON, ON = 'e."on"', '."on"'
CASE_KEY = "bureau_id, month, ask_kind, concern_kind, mode_id, state"
RESOLUTION_KEY = "bureau_id, month, on_time, on_the_spot"


def _case_add(row: str, delta: str, month) -> str:
    return (
        f"INSERT INTO reports_casetally ({CASE_KEY}, n) VALUES ({row}.bureau_id, {month(row + '.raised_on')}, "
        f"{row}.ask_kind, {row}.concern_kind, COALESCE({row}.mode_id, 0), {row}.state, {delta}) "
        f"ON CONFLICT ({CASE_KEY}) DO UPDATE SET n = reports_casetally.n + excluded.n;"
    )


def _case_take(row: str, month) -> str:
    """One case less: an UPDATE, never an insert (a flush of the tables deletes the cases after the
    tallies, and must leave nothing behind)."""
    return (
        f"UPDATE reports_casetally SET n = n - 1 WHERE bureau_id = {row}.bureau_id "
        f"AND month = {month(row + '.raised_on')} AND ask_kind = {row}.ask_kind "
        f"AND concern_kind = {row}.concern_kind AND mode_id = COALESCE({row}.mode_id, 0) AND state = {row}.state;"
    )


def _resolution_take(row: str, month, on_time) -> str:
    return (
        f"UPDATE reports_resolutiontally SET n = n - 1 WHERE month = {month(row + ON)} "
        f"AND on_time = {on_time(row)} AND bureau_id = (SELECT c.bureau_id FROM cases_case c WHERE c.id = {row}.case_id) "
        f"AND on_the_spot = (SELECT c.resolved_on_the_spot FROM cases_case c WHERE c.id = {row}.case_id);"
    )


def _resolutions_of_case_taken(row: str, month, on_time) -> str:
    """The case's resolutions taken away from where they were counted (an UPDATE: see _case_take)."""
    return (
        f"UPDATE reports_resolutiontally SET n = n - (SELECT COUNT(*) FROM cases_caseevent e "
        f"WHERE e.case_id = {row}.id AND e.kind = 'resolved' AND e.\"on\" IS NOT NULL "
        f"AND {month(E_ON)} = reports_resolutiontally.month AND {on_time('e')} = reports_resolutiontally.on_time) "
        f"WHERE bureau_id = {row}.bureau_id AND on_the_spot = {row}.resolved_on_the_spot;"
    )


def _resolutions_of_case(row: str, spot: str, sign: str, month, on_time) -> str:
    """Add (sign=+) or take away (sign=-) the case's resolutions under `spot`."""
    return (
        f"INSERT INTO reports_resolutiontally ({RESOLUTION_KEY}, n) "
        f"SELECT {row}.bureau_id, {month(E_ON)}, {on_time('e')}, {spot}, {sign}COUNT(*) "
        f"FROM cases_caseevent e WHERE e.case_id = {row}.id AND e.kind = 'resolved' AND e.\"on\" IS NOT NULL "
        f"GROUP BY 2, 3 "
        f"ON CONFLICT ({RESOLUTION_KEY}) DO UPDATE SET n = reports_resolutiontally.n + excluded.n;"
    )


def _resolution_add(row: str, delta: str, month, on_time) -> str:
    return (
        f"INSERT INTO reports_resolutiontally ({RESOLUTION_KEY}, n) "
        f"SELECT c.bureau_id, {month(row + ON)}, {on_time(row)}, c.resolved_on_the_spot, {delta} "
        f"FROM cases_case c WHERE c.id = {row}.case_id "
        f"ON CONFLICT ({RESOLUTION_KEY}) DO UPDATE SET n = reports_resolutiontally.n + excluded.n;"
    )



def sqlite_on_time(e):
    return f'COALESCE({e}."on" <= {e}.deadline, 0)'



def pg_on_time(e):
    return f'COALESCE({e}."on" <= {e}.deadline, false)'


CASE_FIELDS = ["bureau_id", "raised_on", "ask_kind", "concern_kind", "mode_id", "state"]
CHANGED = " OR ".join(f"OLD.{f} IS NOT NEW.{f}" for f in CASE_FIELDS)
PG_CHANGED = " OR ".join(f"OLD.{f} IS DISTINCT FROM NEW.{f}" for f in CASE_FIELDS)

SQLITE_UP = [
    f"""CREATE TRIGGER reports_casetally_insert AFTER INSERT ON cases_case BEGIN
    {_case_add("NEW", "1", sqlite_month)} END;""",
    f"""CREATE TRIGGER reports_casetally_delete AFTER DELETE ON cases_case BEGIN
    {_case_take("OLD", sqlite_month)} END;""",
    f"""CREATE TRIGGER reports_casetally_update AFTER UPDATE ON cases_case WHEN {CHANGED} BEGIN
    {_case_take("OLD", sqlite_month)} {_case_add("NEW", "1", sqlite_month)} END;""",
    f"""CREATE TRIGGER reports_resolutiontally_insert AFTER INSERT ON cases_caseevent
    WHEN NEW.kind = 'resolved' AND NEW."on" IS NOT NULL BEGIN
    {_resolution_add("NEW", "1", sqlite_month, sqlite_on_time)} END;""",
    f"""CREATE TRIGGER reports_resolutiontally_delete AFTER DELETE ON cases_caseevent
    WHEN OLD.kind = 'resolved' AND OLD."on" IS NOT NULL BEGIN
    {_resolution_take("OLD", sqlite_month, sqlite_on_time)} END;""",
    f"""CREATE TRIGGER reports_resolutiontally_spot AFTER UPDATE ON cases_case
    WHEN OLD.resolved_on_the_spot IS NOT NEW.resolved_on_the_spot OR OLD.bureau_id IS NOT NEW.bureau_id BEGIN
    {_resolutions_of_case_taken("OLD", sqlite_month, sqlite_on_time)}
    {_resolutions_of_case("NEW", "NEW.resolved_on_the_spot", "", sqlite_month, sqlite_on_time)} END;""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "reports_casetally_insert",
        "reports_casetally_delete",
        "reports_casetally_update",
        "reports_resolutiontally_insert",
        "reports_resolutiontally_delete",
        "reports_resolutiontally_spot",
    )
]

PG_UP = [
    f"""CREATE OR REPLACE FUNCTION reports_case_tallies() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        {_case_add("NEW", "1", pg_month)}
      ELSIF TG_OP = 'DELETE' THEN
        {_case_take("OLD", pg_month)}
      ELSE
        IF {PG_CHANGED} THEN
          {_case_take("OLD", pg_month)}
          {_case_add("NEW", "1", pg_month)}
        END IF;
        IF OLD.resolved_on_the_spot IS DISTINCT FROM NEW.resolved_on_the_spot
           OR OLD.bureau_id IS DISTINCT FROM NEW.bureau_id THEN
          {_resolutions_of_case_taken("OLD", pg_month, pg_on_time)}
          {_resolutions_of_case("NEW", "NEW.resolved_on_the_spot", "", pg_month, pg_on_time)}
        END IF;
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER reports_case_tallies AFTER INSERT OR UPDATE OR DELETE ON cases_case
    FOR EACH ROW EXECUTE FUNCTION reports_case_tallies();""",
    f"""CREATE OR REPLACE FUNCTION reports_resolution_tallies() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.kind = 'resolved' AND NEW."on" IS NOT NULL THEN
          {_resolution_add("NEW", "1", pg_month, pg_on_time)}
        END IF;
      ELSE
        IF OLD.kind = 'resolved' AND OLD."on" IS NOT NULL THEN
          {_resolution_take("OLD", pg_month, pg_on_time)}
        END IF;
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER reports_resolution_tallies AFTER INSERT OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION reports_resolution_tallies();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS reports_case_tallies ON cases_case;",
    "DROP FUNCTION IF EXISTS reports_case_tallies();",
    "DROP TRIGGER IF EXISTS reports_resolution_tallies ON cases_caseevent;",
    "DROP FUNCTION IF EXISTS reports_resolution_tallies();",
]


def _backfill(month, on_time) -> list[str]:
    return [
        "DELETE FROM reports_casetally;",
        "DELETE FROM reports_resolutiontally;",
        f"INSERT INTO reports_casetally ({CASE_KEY}, n) SELECT bureau_id, {month('raised_on')}, ask_kind, "
        "concern_kind, COALESCE(mode_id, 0), state, COUNT(*) FROM cases_case GROUP BY 1, 2, 3, 4, 5, 6;",
        f"INSERT INTO reports_resolutiontally ({RESOLUTION_KEY}, n) SELECT c.bureau_id, {month(E_ON)}, "
        f"{on_time('e')}, c.resolved_on_the_spot, COUNT(*) FROM cases_caseevent e "
        "JOIN cases_case c ON c.id = e.case_id WHERE e.kind = 'resolved' AND e.\"on\" IS NOT NULL "
        "GROUP BY 1, 2, 3, 4;",
    ]



class Migration(migrations.Migration):
    dependencies = [("reports", "0001_tallies"), ("cases", "0009_list_order")]
    operations = [
        per_vendor(
            sqlite=SQLITE_UP + _backfill(sqlite_month, sqlite_on_time),
            pg=PG_UP + _backfill(pg_month, pg_on_time),
            sqlite_down=SQLITE_DOWN,
            pg_down=PG_DOWN,
        )
    ]

"""Triggers that keep reports.ScopeCaseTally and reports.ScopeResolutionTally as the cases and their
timeline change, and the tallies of the rows already there (as 0002 does for the bureau-wide ones).

A case counts in the scope of its department (ref 0: none) and of each distinct person it is of (owner,
registrar, the person whose visit card brought it in): one SELECT per scope joined by UNION, so a person
who is both owner and registrar counts the case once. A case added is an upsert of +1 per scope; one taken
away an UPDATE of the rows that count it (never an insert: a flush deletes cases after tallies). A case
whose department, township, people, bureau or on-the-spot mark changes takes its resolutions along.

Triggers fire on: INSERT/UPDATE/DELETE of cases_case, INSERT/DELETE of cases_caseevent (resolutions)."""

from django.db import migrations

from sanwen.core.dbtriggers import per_vendor, pg_month, sqlite_month

PERSON_COLUMNS = ("owner_id", "raised_by_id", "via_card_of_id")
NEW_ON, OLD_ON, E_ON = 'NEW."on"', 'OLD."on"', 'e."on"'
CASE_KEY = "dim, ref_id, month, bureau_id, township_id, ask_kind, concern_kind, mode_id, state"
RESOLUTION_KEY = "dim, ref_id, month, bureau_id, township_id, on_time, on_the_spot"
# What places a case in its scoped rows (CaseTally's fields and the scopes').
CASE_FIELDS = [
    "bureau_id",
    "raised_on",
    "ask_kind",
    "concern_kind",
    "mode_id",
    "state",
    "department_id",
    "township_id",
    *PERSON_COLUMNS,
]
# What places a case's resolutions.
RESOLUTION_FIELDS = [
    "bureau_id",
    "resolved_on_the_spot",
    "department_id",
    "township_id",
    *PERSON_COLUMNS,
]


def _scopes(row: str, select, source: str = "", where: str = "true", group: str = "") -> str:
    """`select(dim, ref)` once per scope of the case `row`, joined by UNION (which removes the rows a
    person would count twice)."""
    parts = [("'d'", f"COALESCE({row}.department_id, 0)", where)]
    parts += [("'p'", f"{row}.{c}", f"{where} AND {row}.{c} IS NOT NULL") for c in PERSON_COLUMNS]
    return " UNION ".join(
        f"SELECT {select(dim, ref)} {source} WHERE {cond} {group}".replace("  ", " ")
        for dim, ref, cond in parts
    )


def _case_add(row: str, month) -> str:
    def select(dim, ref):
        return (
            f"{dim}, {ref}, {month(row + '.raised_on')}, {row}.bureau_id, COALESCE({row}.township_id, 0), "
            f"{row}.ask_kind, {row}.concern_kind, COALESCE({row}.mode_id, 0), {row}.state, 1"
        )

    return (
        f"INSERT INTO reports_scopecasetally ({CASE_KEY}, n) {_scopes(row, select)} "
        f"ON CONFLICT ({CASE_KEY}) DO UPDATE SET n = reports_scopecasetally.n + excluded.n;"
    )


def _case_take(row: str, month) -> str:
    """One case less in each of its scopes: two UPDATEs (each along the unique index), never an insert."""
    same = (
        f"month = {month(row + '.raised_on')} AND bureau_id = {row}.bureau_id "
        f"AND township_id = COALESCE({row}.township_id, 0) AND ask_kind = {row}.ask_kind "
        f"AND concern_kind = {row}.concern_kind AND mode_id = COALESCE({row}.mode_id, 0) AND state = {row}.state"
    )
    people = ", ".join(f"{row}.{c}" for c in PERSON_COLUMNS)
    return (
        f"UPDATE reports_scopecasetally SET n = n - 1 WHERE dim = 'd' "
        f"AND ref_id = COALESCE({row}.department_id, 0) AND {same}; "
        f"UPDATE reports_scopecasetally SET n = n - 1 WHERE dim = 'p' AND ref_id IN ({people}) AND {same};"
    )


def _event_scopes(case: str, select) -> str:
    return _scopes(case, select, source="FROM cases_case c", where="c.id = NEW.case_id")


def _resolution_add(month, on_time) -> str:
    """NEW (a resolution) counted in each scope of its case."""

    def select(dim, ref):
        return (
            f"{dim}, {ref}, {month(NEW_ON)}, c.bureau_id, COALESCE(c.township_id, 0), "
            f"{on_time('NEW')}, c.resolved_on_the_spot, 1"
        )

    return (
        f"INSERT INTO reports_scoperesolutiontally ({RESOLUTION_KEY}, n) {_event_scopes('c', select)} "
        f"ON CONFLICT ({RESOLUTION_KEY}) DO UPDATE SET n = reports_scoperesolutiontally.n + excluded.n;"
    )


def _resolution_take(month, on_time) -> str:
    """OLD (a resolution) taken from each scope of its case (an UPDATE: see _case_take); the case's
    fields read by scalar subqueries, so that each UPDATE goes along the unique index."""

    def of_case(expr):
        return f"(SELECT {expr} FROM cases_case c WHERE c.id = OLD.case_id)"

    same = (
        f"month = {month(OLD_ON)} AND on_time = {on_time('OLD')} "
        f"AND bureau_id = {of_case('c.bureau_id')} AND township_id = {of_case('COALESCE(c.township_id, 0)')} "
        f"AND on_the_spot = {of_case('c.resolved_on_the_spot')}"
    )
    people = " UNION ".join(
        f"SELECT c.{col} FROM cases_case c WHERE c.id = OLD.case_id" for col in PERSON_COLUMNS
    )
    return (
        "UPDATE reports_scoperesolutiontally SET n = n - 1 WHERE dim = 'd' "
        f"AND ref_id = {of_case('COALESCE(c.department_id, 0)')} AND {same}; "
        f"UPDATE reports_scoperesolutiontally SET n = n - 1 WHERE dim = 'p' AND ref_id IN ({people}) AND {same};"
    )


RESOLVED = "e.case_id = {row}.id AND e.kind = 'resolved' AND e.\"on\" IS NOT NULL"


def _resolutions_of_case_taken(month, on_time) -> str:
    """All of OLD's resolutions taken from the scopes they were counted in."""
    count = (
        f"(SELECT COUNT(*) FROM cases_caseevent e WHERE {RESOLVED.format(row='OLD')} "
        f"AND {month(E_ON)} = reports_scoperesolutiontally.month "
        f"AND {on_time('e')} = reports_scoperesolutiontally.on_time)"
    )
    months = f"(SELECT {month(E_ON)} FROM cases_caseevent e WHERE {RESOLVED.format(row='OLD')})"
    same = (
        f"month IN {months} AND bureau_id = OLD.bureau_id AND township_id = COALESCE(OLD.township_id, 0) "
        "AND on_the_spot = OLD.resolved_on_the_spot"
    )
    people = ", ".join(f"OLD.{c}" for c in PERSON_COLUMNS)
    return (
        f"UPDATE reports_scoperesolutiontally SET n = n - {count} WHERE dim = 'd' "
        f"AND ref_id = COALESCE(OLD.department_id, 0) AND {same}; "
        f"UPDATE reports_scoperesolutiontally SET n = n - {count} WHERE dim = 'p' AND ref_id IN ({people}) "
        f"AND {same};"
    )


def _resolutions_of_case_added(month, on_time) -> str:
    def select(dim, ref):
        return (
            f"{dim}, {ref}, {month(E_ON)}, NEW.bureau_id, COALESCE(NEW.township_id, 0), "
            f"{on_time('e')}, NEW.resolved_on_the_spot, COUNT(*)"
        )

    rows = _scopes(
        "NEW",
        select,
        source="FROM cases_caseevent e",
        where=RESOLVED.format(row="NEW"),
        group=f"GROUP BY {month(E_ON)}, {on_time('e')}",
    )
    return (
        f"INSERT INTO reports_scoperesolutiontally ({RESOLUTION_KEY}, n) {rows} "
        f"ON CONFLICT ({RESOLUTION_KEY}) DO UPDATE SET n = reports_scoperesolutiontally.n + excluded.n;"
    )



def sqlite_on_time(e):
    return f'COALESCE({e}."on" <= {e}.deadline, 0)'



def pg_on_time(e):
    return f'COALESCE({e}."on" <= {e}.deadline, false)'


def _changed(fields, differ: str) -> str:
    return " OR ".join(f"OLD.{f} {differ} NEW.{f}" for f in fields)


SQLITE_NAMES = (
    "reports_scopecase_insert",
    "reports_scopecase_delete",
    "reports_scopecase_update",
    "reports_scoperesolution_insert",
    "reports_scoperesolution_delete",
    "reports_scoperesolution_move",
)
SQLITE_UP = [
    f"""CREATE TRIGGER reports_scopecase_insert AFTER INSERT ON cases_case BEGIN
    {_case_add("NEW", sqlite_month)} END;""",
    f"""CREATE TRIGGER reports_scopecase_delete AFTER DELETE ON cases_case BEGIN
    {_case_take("OLD", sqlite_month)} END;""",
    f"""CREATE TRIGGER reports_scopecase_update AFTER UPDATE ON cases_case
    WHEN {_changed(CASE_FIELDS, "IS NOT")} BEGIN
    {_case_take("OLD", sqlite_month)} {_case_add("NEW", sqlite_month)} END;""",
    f"""CREATE TRIGGER reports_scoperesolution_insert AFTER INSERT ON cases_caseevent
    WHEN NEW.kind = 'resolved' AND NEW."on" IS NOT NULL BEGIN
    {_resolution_add(sqlite_month, sqlite_on_time)} END;""",
    f"""CREATE TRIGGER reports_scoperesolution_delete AFTER DELETE ON cases_caseevent
    WHEN OLD.kind = 'resolved' AND OLD."on" IS NOT NULL BEGIN
    {_resolution_take(sqlite_month, sqlite_on_time)} END;""",
    f"""CREATE TRIGGER reports_scoperesolution_move AFTER UPDATE ON cases_case
    WHEN {_changed(RESOLUTION_FIELDS, "IS NOT")} BEGIN
    {_resolutions_of_case_taken(sqlite_month, sqlite_on_time)}
    {_resolutions_of_case_added(sqlite_month, sqlite_on_time)} END;""",
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {name};" for name in SQLITE_NAMES]

PG_UP = [
    f"""CREATE OR REPLACE FUNCTION reports_scope_case_tallies() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        {_case_add("NEW", pg_month)}
      ELSIF TG_OP = 'DELETE' THEN
        {_case_take("OLD", pg_month)}
      ELSE
        IF {_changed(CASE_FIELDS, "IS DISTINCT FROM")} THEN
          {_case_take("OLD", pg_month)}
          {_case_add("NEW", pg_month)}
        END IF;
        IF {_changed(RESOLUTION_FIELDS, "IS DISTINCT FROM")} THEN
          {_resolutions_of_case_taken(pg_month, pg_on_time)}
          {_resolutions_of_case_added(pg_month, pg_on_time)}
        END IF;
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER reports_scope_case_tallies AFTER INSERT OR UPDATE OR DELETE ON cases_case
    FOR EACH ROW EXECUTE FUNCTION reports_scope_case_tallies();""",
    f"""CREATE OR REPLACE FUNCTION reports_scope_resolution_tallies() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.kind = 'resolved' AND NEW."on" IS NOT NULL THEN
          {_resolution_add(pg_month, pg_on_time)}
        END IF;
      ELSE
        IF OLD.kind = 'resolved' AND OLD."on" IS NOT NULL THEN
          {_resolution_take(pg_month, pg_on_time)}
        END IF;
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER reports_scope_resolution_tallies AFTER INSERT OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION reports_scope_resolution_tallies();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS reports_scope_case_tallies ON cases_case;",
    "DROP FUNCTION IF EXISTS reports_scope_case_tallies();",
    "DROP TRIGGER IF EXISTS reports_scope_resolution_tallies ON cases_caseevent;",
    "DROP FUNCTION IF EXISTS reports_scope_resolution_tallies();",
]


def _backfill(month, on_time) -> list[str]:
    """The tallies of the rows already there: the scopes of each case (with its id, so that UNION
    removes only a person counted twice for the same case or resolution), grouped."""

    def case_select(dim, ref):
        return (
            f"c.id, {dim} AS dim, {ref} AS ref_id, {month('c.raised_on')} AS month, c.bureau_id, "
            "COALESCE(c.township_id, 0) AS township_id, c.ask_kind, c.concern_kind, "
            "COALESCE(c.mode_id, 0) AS mode_id, c.state"
        )

    def resolution_select(dim, ref):
        return (
            f"e.id, {dim} AS dim, {ref} AS ref_id, {month(E_ON)} AS month, c.bureau_id, "
            f"COALESCE(c.township_id, 0) AS township_id, {on_time('e')} AS on_time, "
            "c.resolved_on_the_spot AS on_the_spot"
        )

    cases = _scopes("c", case_select, source="FROM cases_case c")
    resolutions = _scopes(
        "c",
        resolution_select,
        source="FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id",
        where="e.kind = 'resolved' AND e.\"on\" IS NOT NULL",
    )
    return [
        "DELETE FROM reports_scopecasetally;",
        "DELETE FROM reports_scoperesolutiontally;",
        f"INSERT INTO reports_scopecasetally ({CASE_KEY}, n) SELECT {CASE_KEY}, COUNT(*) "
        f"FROM ({cases}) x GROUP BY {CASE_KEY};",
        f"INSERT INTO reports_scoperesolutiontally ({RESOLUTION_KEY}, n) SELECT {RESOLUTION_KEY}, COUNT(*) "
        f"FROM ({resolutions}) x GROUP BY {RESOLUTION_KEY};",
    ]



class Migration(migrations.Migration):
    dependencies = [("reports", "0003_scope_tallies"), ("cases", "0011_event_timeline")]
    operations = [
        per_vendor(
            sqlite=SQLITE_UP + _backfill(sqlite_month, sqlite_on_time),
            pg=PG_UP + _backfill(pg_month, pg_on_time),
            sqlite_down=SQLITE_DOWN,
            pg_down=PG_DOWN,
        )
    ]

"""Triggers that keep clients.HouseholdTally as households are added, changed (bureau, kind, active)
or removed, and the tally of the households already there. Adding is an upsert of +1; taking away an
UPDATE of the row that counts the household (never an insert: a flush deletes the households after
the tally, or the tally after them, in any order)."""

from django.db import migrations

from sanwen.core.dbtriggers import per_vendor

KEY = "bureau_id, kind, active"
FIELDS = ("bureau_id", "kind", "active")


def _add(row: str) -> str:
    return (
        f"INSERT INTO clients_householdtally ({KEY}, n) VALUES ({row}.bureau_id, {row}.kind, {row}.active, 1) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = clients_householdtally.n + excluded.n;"
    )


def _take(row: str) -> str:
    return (
        f"UPDATE clients_householdtally SET n = n - 1 WHERE bureau_id = {row}.bureau_id "
        f"AND kind = {row}.kind AND active = {row}.active;"
    )


SQLITE_CHANGED = " OR ".join(f"OLD.{f} IS NOT NEW.{f}" for f in FIELDS)
PG_CHANGED = " OR ".join(f"OLD.{f} IS DISTINCT FROM NEW.{f}" for f in FIELDS)
SQLITE_UP = [
    f"CREATE TRIGGER clients_householdtally_insert AFTER INSERT ON clients_household BEGIN {_add('NEW')} END;",
    f"CREATE TRIGGER clients_householdtally_delete AFTER DELETE ON clients_household BEGIN {_take('OLD')} END;",
    f"""CREATE TRIGGER clients_householdtally_update AFTER UPDATE ON clients_household WHEN {SQLITE_CHANGED}
    BEGIN {_take("OLD")} {_add("NEW")} END;""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS clients_householdtally_{what};" for what in ("insert", "delete", "update")
]
PG_UP = [
    f"""CREATE OR REPLACE FUNCTION clients_household_tally() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        {_add("NEW")}
      ELSIF TG_OP = 'DELETE' THEN
        {_take("OLD")}
      ELSIF {PG_CHANGED} THEN
        {_take("OLD")}
        {_add("NEW")}
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER clients_household_tally AFTER INSERT OR UPDATE OR DELETE ON clients_household
    FOR EACH ROW EXECUTE FUNCTION clients_household_tally();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS clients_household_tally ON clients_household;",
    "DROP FUNCTION IF EXISTS clients_household_tally();",
]
BACKFILL = [
    "DELETE FROM clients_householdtally;",
    f"INSERT INTO clients_householdtally ({KEY}, n) SELECT {KEY}, COUNT(*) FROM clients_household GROUP BY 1, 2, 3;",
]



class Migration(migrations.Migration):
    dependencies = [("clients", "0006_household_tally")]
    operations = [
        per_vendor(
            sqlite=SQLITE_UP + BACKFILL,
            pg=PG_UP + BACKFILL,
            sqlite_down=SQLITE_DOWN,
            pg_down=PG_DOWN,
        )
    ]

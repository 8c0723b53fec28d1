from django.db import migrations

# Rows are never updated; deletes are refused by the model and the admin (a database-level
# DELETE trigger would also block the test runner's flush between browser tests).
SQLITE_UP = [
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS core_auditevent_no_update;"]
PG_UP = [
    """CREATE OR REPLACE FUNCTION core_auditevent_refuse_update() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse_update();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update ON core_auditevent;",
    "DROP FUNCTION IF EXISTS core_auditevent_refuse_update();",
]


def _run(schema_editor, by_vendor):
    for statement in by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_UP, "postgresql": PG_UP})


def backwards(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN})


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

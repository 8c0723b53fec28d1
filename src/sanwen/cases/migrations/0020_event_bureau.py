"""Each step of a timeline carries its case's bureau (CaseEvent.bureau), kept by triggers whatever
writes the step or moves the case, and filled for the steps already there; the indexes of late
resolutions and missed return visits start with it, so a bureau's are read without looking up each
step's case. The column is nullable with no default or constraint: SQLite adds it in place, and the
triggers on the timeline stay.

Triggers fire on: INSERT of cases_caseevent and UPDATE of its case_id or bureau_id, UPDATE of
cases_case's bureau_id."""

from django.db import migrations, models

from sanwen.core.dbtriggers import per_vendor

OF_CASE = "(SELECT c.bureau_id FROM cases_case c WHERE c.id = NEW.case_id)"

SQLITE_UP = [
    f"""CREATE TRIGGER cases_event_bureau_insert AFTER INSERT ON cases_caseevent
    WHEN NEW.bureau_id IS NOT {OF_CASE} BEGIN
    UPDATE cases_caseevent SET bureau_id = {OF_CASE} WHERE id = NEW.id; END;""",
    f"""CREATE TRIGGER cases_event_bureau_update AFTER UPDATE OF case_id, bureau_id ON cases_caseevent
    WHEN NEW.bureau_id IS NOT {OF_CASE} BEGIN
    UPDATE cases_caseevent SET bureau_id = {OF_CASE} WHERE id = NEW.id; END;""",
    """CREATE TRIGGER cases_event_bureau_moved AFTER UPDATE OF bureau_id ON cases_case
    WHEN OLD.bureau_id IS NOT NEW.bureau_id BEGIN
    UPDATE cases_caseevent SET bureau_id = NEW.bureau_id WHERE case_id = NEW.id; END;""",
    "UPDATE cases_caseevent SET bureau_id = "
    "(SELECT c.bureau_id FROM cases_case c WHERE c.id = cases_caseevent.case_id);",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS cases_event_bureau_{what};" for what in ("insert", "update", "moved")
]
PG_UP = [
    "UPDATE cases_caseevent e SET bureau_id = c.bureau_id FROM cases_case c "
    "WHERE c.id = e.case_id AND e.bureau_id IS DISTINCT FROM c.bureau_id;",
    f"""CREATE OR REPLACE FUNCTION cases_event_bureau() RETURNS trigger AS $$
    BEGIN
      NEW.bureau_id := {OF_CASE};
      RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_event_bureau BEFORE INSERT OR UPDATE OF case_id, bureau_id ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION cases_event_bureau();""",
    """CREATE OR REPLACE FUNCTION cases_event_bureau_moved() RETURNS trigger AS $$
    BEGIN
      UPDATE cases_caseevent SET bureau_id = NEW.bureau_id WHERE case_id = NEW.id;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_event_bureau_moved AFTER UPDATE OF bureau_id ON cases_case
    FOR EACH ROW WHEN (OLD.bureau_id IS DISTINCT FROM NEW.bureau_id)
    EXECUTE FUNCTION cases_event_bureau_moved();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS cases_event_bureau ON cases_caseevent;",
    "DROP FUNCTION IF EXISTS cases_event_bureau();",
    "DROP TRIGGER IF EXISTS cases_event_bureau_moved ON cases_case;",
    "DROP FUNCTION IF EXISTS cases_event_bureau_moved();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_skipped_step_triggers"),
        ("org", "0007_merge_wecom_and_translations"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="caseevent", name="caseevent_late"),
        migrations.RemoveIndex(model_name="caseevent", name="caseevent_visit_missed"),
        migrations.AddField(
            model_name="caseevent",
            name="bureau",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=models.deletion.DO_NOTHING,
                related_name="+",
                to="org.bureau",
            ),
        ),
        per_vendor(sqlite=SQLITE_UP, pg=PG_UP, sqlite_down=SQLITE_DOWN, pg_down=PG_DOWN),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(
                condition=models.Q(("on__gt", models.F("deadline"))),
                fields=["bureau", "kind", "on", "case", "deadline"],
                name="caseevent_late_in_bureau",
            ),
        ),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(
                condition=models.Q(
                    ("due_on__isnull", False),
                    models.Q(("answered_on__isnull", True), ("answered_on__gt", models.F("due_on")), _connector="OR"),
                ),
                fields=["bureau", "kind", "due_on", "case", "answered_on"],
                name="caseevent_missed_in_bureau",
            ),
        ),
    ]

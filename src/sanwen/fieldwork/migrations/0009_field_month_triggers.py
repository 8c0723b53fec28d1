"""Triggers that keep fieldwork.FieldMonth as field days are recorded, moved or removed, and the
counts of the field days already there. A day added is an upsert of +1; one taken away an UPDATE of
the row that counts it (never an insert: a flush deletes the field days after the counts)."""

from django.db import migrations

from sanwen.core.dbtriggers import per_vendor, pg_month, sqlite_month

ON = '"on"'


def _add(row: str, month) -> str:
    return (
        f"INSERT INTO fieldwork_fieldmonth (staff_id, month, days) VALUES ({row}.staff_id, "
        f"{month(f'{row}.{ON}')}, 1) "
        "ON CONFLICT (staff_id, month) DO UPDATE SET days = fieldwork_fieldmonth.days + 1;"
    )


def _take(row: str, month) -> str:
    return (
        "UPDATE fieldwork_fieldmonth SET days = days - 1 "
        f"WHERE staff_id = {row}.staff_id AND month = {month(f'{row}.{ON}')};"
    )




SQLITE_UP = [
    f"""CREATE TRIGGER fieldwork_fieldmonth_insert AFTER INSERT ON fieldwork_fieldday BEGIN
    {_add("NEW", sqlite_month)} END;""",
    f"""CREATE TRIGGER fieldwork_fieldmonth_delete AFTER DELETE ON fieldwork_fieldday BEGIN
    {_take("OLD", sqlite_month)} END;""",
    f"""CREATE TRIGGER fieldwork_fieldmonth_update AFTER UPDATE ON fieldwork_fieldday
    WHEN OLD.staff_id IS NOT NEW.staff_id OR OLD."on" IS NOT NEW."on" BEGIN
    {_take("OLD", sqlite_month)} {_add("NEW", sqlite_month)} END;""",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS fieldwork_fieldmonth_{what};" for what in ("insert", "delete", "update")
]
PG_UP = [
    f"""CREATE OR REPLACE FUNCTION fieldwork_field_month() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        {_add("NEW", pg_month)}
      ELSIF TG_OP = 'DELETE' THEN
        {_take("OLD", pg_month)}
      ELSIF OLD.staff_id IS DISTINCT FROM NEW.staff_id OR OLD."on" IS DISTINCT FROM NEW."on" THEN
        {_take("OLD", pg_month)}
        {_add("NEW", pg_month)}
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER fieldwork_field_month AFTER INSERT OR UPDATE OR DELETE ON fieldwork_fieldday
    FOR EACH ROW EXECUTE FUNCTION fieldwork_field_month();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS fieldwork_field_month ON fieldwork_fieldday;",
    "DROP FUNCTION IF EXISTS fieldwork_field_month();",
]


def _backfill(month) -> list[str]:
    return [
        "DELETE FROM fieldwork_fieldmonth;",
        f'INSERT INTO fieldwork_fieldmonth (staff_id, month, days) SELECT staff_id, {month(ON)}, '
        "COUNT(*) FROM fieldwork_fieldday GROUP BY 1, 2;",
    ]



class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0008_field_month")]
    operations = [
        per_vendor(
            sqlite=SQLITE_UP + _backfill(sqlite_month),
            pg=PG_UP + _backfill(pg_month),
            sqlite_down=SQLITE_DOWN,
            pg_down=PG_DOWN,
        )
    ]

"""Triggers that count, per bureau, every write behind its quota figures (fieldwork.QuotaStamp): a
person's field-day month or leave month (their bureau's), a person joining, leaving or changing
bureau, rank, role, department or whether they are active (the old and the new bureau's), a campaign
or one of its rank quotas (the campaign's bureau's). A QuotaTally row counts only while its
generation is its bureau's, so a change makes the bureau's tallies be worked out again."""

from django.db import migrations

from sanwen.core.dbtriggers import per_vendor

STAMP = "fieldwork_quotastamp"
# What a trigger runs, given a SELECT of the bureau ids (as b) to count a change for (NULLs are skipped:
# operators have no bureau). `WHERE` keeps SQLite's upsert after a SELECT unambiguous.
BUMP = (
    f"INSERT INTO {STAMP} (bureau_id, generation) SELECT b, 1 FROM ({{bureaus}}) changed "
    f"WHERE b IS NOT NULL ON CONFLICT (bureau_id) DO UPDATE SET generation = {STAMP}.generation + 1;"
)


def of_staff(row: str) -> str:
    return BUMP.format(bureaus=f"SELECT bureau_id AS b FROM org_staff WHERE id = {row}.staff_id")


def of_campaign(row: str) -> str:
    return BUMP.format(bureaus=f"SELECT bureau_id AS b FROM campaigns_campaign WHERE id = {row}.campaign_id")


def of_row(row: str) -> str:
    return BUMP.format(bureaus=f"SELECT {row}.bureau_id AS b")


STAFF_COLUMNS = ("bureau_id", "rank", "role", "department_id", "is_active")
# (table, trigger name, what to count for a row, the columns whose change counts on UPDATE or None)
WATCHED = [
    ("fieldwork_fieldmonth", "fieldmonth", of_staff, None),
    ("fieldwork_leavemonth", "leavemonth", of_staff, None),
    ("org_staff", "staff", of_row, STAFF_COLUMNS),
    ("campaigns_campaign", "campaign", of_row, ("bureau_id", "start", "end", "active")),
    ("campaigns_rankquota", "rankquota", of_campaign, None),
]


def _quoted(column: str) -> str:
    return f'"{column}"'


def _sqlite(table, name, counted, columns) -> list[str]:
    changed = (
        " OR ".join(f"OLD.{_quoted(c)} IS NOT NEW.{_quoted(c)}" for c in columns) if columns else "1"
    )
    return [
        f"CREATE TRIGGER fieldwork_quotastamp_{name}_insert AFTER INSERT ON {table} BEGIN {counted('NEW')} END;",
        f"CREATE TRIGGER fieldwork_quotastamp_{name}_delete AFTER DELETE ON {table} BEGIN {counted('OLD')} END;",
        f"CREATE TRIGGER fieldwork_quotastamp_{name}_update AFTER UPDATE ON {table} WHEN {changed} "
        f"BEGIN {counted('OLD')} {counted('NEW')} END;",
    ]


def _pg(table, name, counted, columns) -> list[str]:
    changed = (
        " OR ".join(f"OLD.{_quoted(c)} IS DISTINCT FROM NEW.{_quoted(c)}" for c in columns) if columns else "TRUE"
    )
    return [
        f"""CREATE OR REPLACE FUNCTION fieldwork_quotastamp_{name}() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            {counted("NEW")}
          ELSIF TG_OP = 'DELETE' THEN
            {counted("OLD")}
          ELSIF {changed} THEN
            {counted("OLD")}
            {counted("NEW")}
          END IF;
          RETURN NULL;
        END; $$ LANGUAGE plpgsql;""",
        f"""CREATE TRIGGER fieldwork_quotastamp_{name} AFTER INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION fieldwork_quotastamp_{name}();""",
    ]


SQLITE_UP = [statement for watched in WATCHED for statement in _sqlite(*watched)]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS fieldwork_quotastamp_{name}_{what};"
    for _table, name, _counted, _columns in WATCHED
    for what in ("insert", "delete", "update")
]
PG_UP = [statement for watched in WATCHED for statement in _pg(*watched)]
PG_DOWN = [
    statement
    for table, name, _counted, _columns in WATCHED
    for statement in (
        f"DROP TRIGGER IF EXISTS fieldwork_quotastamp_{name} ON {table};",
        f"DROP FUNCTION IF EXISTS fieldwork_quotastamp_{name}();",
    )
]


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0013_quota_tally"),
        ("org", "0007_merge_wecom_and_translations"),
        ("campaigns", "0007_translated_campaign"),
    ]
    operations = [per_vendor(sqlite=SQLITE_UP, pg=PG_UP, sqlite_down=SQLITE_DOWN, pg_down=PG_DOWN)]

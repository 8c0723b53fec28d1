"""Triggers that keep cases.SkippedStep: one row per resolution that skipped a step, as
scorecard.omission_events counts them (accepted later than its limit, or the handling mode's rule
unmet as the case stands), and the rows of the resolutions already there.

A resolution is marked when it is written; a case's marks are made again from its resolutions
whenever something they depend on changes: the case's fields, its partners, its follow-ups, or the
rule of a handling mode. Rows are only ever added for resolutions that exist, and a resolution's
removal takes its row away, so a flush that empties the tables in any order leaves none behind.

Triggers fire on: INSERT/UPDATE/DELETE of cases_caseevent, UPDATE of cases_case,
INSERT/UPDATE/DELETE of cases_casepartner and cases_followup, UPDATE of a mode's closing_rule."""

from django.db import migrations

from sanwen.core.dbtriggers import per_vendor

# The case's fields the rule reads (and its bureau, under which the rows count).
CASE_FIELDS = (
    "accepted_on",
    "accept_due",
    "batch_id",
    "first_contact_on",
    "on_site_visit_on",
    "public",
    "state",
    "mode_id",
    "bureau_id",
)


def skipped(false: str) -> str:
    """The step skipped, of a resolution `e` of case `c` under mode `m` (LEFT JOINed): the same test
    as scorecard.omission_events."""
    return (
        "(c.accepted_on > c.accept_due"
        " OR (m.closing_rule = 'in_batch' AND c.batch_id IS NULL)"
        " OR (m.closing_rule = 'senior_first_contact' AND c.first_contact_on IS NULL)"
        " OR (m.closing_rule = 'onsite_visit' AND c.on_site_visit_on IS NULL)"
        " OR (m.closing_rule = 'partner'"
        " AND NOT EXISTS (SELECT 1 FROM cases_casepartner p WHERE p.case_id = c.id))"
        f" OR (m.closing_rule = 'public_board' AND c.public = {false})"
        " OR (m.closing_rule = 'follow_ups' AND c.state = 'archived'"
        " AND EXISTS (SELECT 1 FROM cases_followup f WHERE f.case_id = c.id AND f.done_on IS NULL)))"
    )


def _mark(where: str, false: str) -> str:
    """Mark the resolutions `e` that `where` picks and that skipped a step."""
    return (
        'INSERT INTO cases_skippedstep (event_id, case_id, bureau_id, "on") '
        'SELECT e.id, e.case_id, c.bureau_id, e."on" FROM cases_caseevent e '
        "JOIN cases_case c ON c.id = e.case_id "
        "LEFT JOIN campaigns_handlingmode m ON m.id = c.mode_id "
        f"WHERE {where} AND e.kind = 'resolved' AND e.\"on\" IS NOT NULL AND {skipped(false)};"
    )


def _again(case: str, false: str) -> list[str]:
    """The marks of case `case` made again from its resolutions."""
    return [f"DELETE FROM cases_skippedstep WHERE case_id = {case};", _mark(f"e.case_id = {case}", false)]


def _again_of_mode(false: str) -> list[str]:
    return [
        "DELETE FROM cases_skippedstep WHERE case_id IN (SELECT id FROM cases_case WHERE mode_id = NEW.id);",
        _mark("c.mode_id = NEW.id", false),
    ]


EVENT_FIELDS = ("kind", '"on"', "case_id")


def _changed(fields, sqlite: bool) -> str:
    op = "IS NOT" if sqlite else "IS DISTINCT FROM"
    return " OR ".join(f"OLD.{f} {op} NEW.{f}" for f in fields)


SQLITE_UP = [
    f"""CREATE TRIGGER cases_skipped_insert AFTER INSERT ON cases_caseevent
    WHEN NEW.kind = 'resolved' BEGIN {_mark("e.id = NEW.id", "0")} END;""",
    """CREATE TRIGGER cases_skipped_delete AFTER DELETE ON cases_caseevent
    WHEN OLD.kind = 'resolved' BEGIN DELETE FROM cases_skippedstep WHERE event_id = OLD.id; END;""",
    f"""CREATE TRIGGER cases_skipped_update AFTER UPDATE ON cases_caseevent
    WHEN (OLD.kind = 'resolved' OR NEW.kind = 'resolved') AND ({_changed(EVENT_FIELDS, True)}) BEGIN
    DELETE FROM cases_skippedstep WHERE event_id = OLD.id; {_mark("e.id = NEW.id", "0")} END;""",
    f"""CREATE TRIGGER cases_skipped_case AFTER UPDATE ON cases_case
    WHEN {_changed(CASE_FIELDS, True)} BEGIN {" ".join(_again("NEW.id", "0"))} END;""",
    f"""CREATE TRIGGER cases_skipped_mode AFTER UPDATE ON campaigns_handlingmode
    WHEN OLD.closing_rule IS NOT NEW.closing_rule BEGIN {" ".join(_again_of_mode("0"))} END;""",
]
for _table, _name in (("cases_casepartner", "partner"), ("cases_followup", "follow_up")):
    SQLITE_UP += [
        f"""CREATE TRIGGER cases_skipped_{_name}_insert AFTER INSERT ON {_table}
        BEGIN {" ".join(_again("NEW.case_id", "0"))} END;""",
        f"""CREATE TRIGGER cases_skipped_{_name}_delete AFTER DELETE ON {_table}
        BEGIN {" ".join(_again("OLD.case_id", "0"))} END;""",
        f"""CREATE TRIGGER cases_skipped_{_name}_update AFTER UPDATE ON {_table}
        BEGIN {" ".join(_again("OLD.case_id", "0") + _again("NEW.case_id", "0"))} END;""",
    ]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS cases_skipped_{what};"
    for what in (
        "insert",
        "delete",
        "update",
        "case",
        "mode",
        *(f"{name}_{op}" for name in ("partner", "follow_up") for op in ("insert", "delete", "update")),
    )
]

PG_UP = [
    f"""CREATE OR REPLACE FUNCTION cases_skipped_event() RETURNS trigger AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'resolved' THEN
        IF TG_OP = 'DELETE' OR {_changed(EVENT_FIELDS, False)} THEN
          DELETE FROM cases_skippedstep WHERE event_id = OLD.id;
        END IF;
      END IF;
      IF TG_OP = 'INSERT' AND NEW.kind = 'resolved'
         OR TG_OP = 'UPDATE' AND NEW.kind = 'resolved' AND ({_changed(EVENT_FIELDS, False)}) THEN
        {_mark("e.id = NEW.id", "false")}
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_skipped_event AFTER INSERT OR UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION cases_skipped_event();""",
    f"""CREATE OR REPLACE FUNCTION cases_skipped_case() RETURNS trigger AS $$
    BEGIN
      IF {_changed(CASE_FIELDS, False)} THEN {" ".join(_again("NEW.id", "false"))} END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_skipped_case AFTER UPDATE ON cases_case
    FOR EACH ROW EXECUTE FUNCTION cases_skipped_case();""",
    f"""CREATE OR REPLACE FUNCTION cases_skipped_of_case() RETURNS trigger AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN {" ".join(_again("OLD.case_id", "false"))} END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') THEN {" ".join(_again("NEW.case_id", "false"))} END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_skipped_partner AFTER INSERT OR UPDATE OR DELETE ON cases_casepartner
    FOR EACH ROW EXECUTE FUNCTION cases_skipped_of_case();""",
    """CREATE TRIGGER cases_skipped_follow_up AFTER INSERT OR UPDATE OR DELETE ON cases_followup
    FOR EACH ROW EXECUTE FUNCTION cases_skipped_of_case();""",
    f"""CREATE OR REPLACE FUNCTION cases_skipped_mode() RETURNS trigger AS $$
    BEGIN
      IF OLD.closing_rule IS DISTINCT FROM NEW.closing_rule THEN {" ".join(_again_of_mode("false"))} END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER cases_skipped_mode AFTER UPDATE ON campaigns_handlingmode
    FOR EACH ROW EXECUTE FUNCTION cases_skipped_mode();""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS cases_skipped_event ON cases_caseevent;",
    "DROP TRIGGER IF EXISTS cases_skipped_case ON cases_case;",
    "DROP TRIGGER IF EXISTS cases_skipped_partner ON cases_casepartner;",
    "DROP TRIGGER IF EXISTS cases_skipped_follow_up ON cases_followup;",
    "DROP TRIGGER IF EXISTS cases_skipped_mode ON campaigns_handlingmode;",
    *(
        f"DROP FUNCTION IF EXISTS {name}();"
        for name in ("cases_skipped_event", "cases_skipped_case", "cases_skipped_of_case", "cases_skipped_mode")
    ),
]


def _backfill(false: str) -> list[str]:
    return ["DELETE FROM cases_skippedstep;", _mark("1 = 1", false)]


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_skipped_step"), ("campaigns", "0001_initial")]
    operations = [
        per_vendor(
            sqlite=SQLITE_UP + _backfill("0"),
            pg=PG_UP + _backfill("false"),
            sqlite_down=SQLITE_DOWN,
            pg_down=PG_DOWN,
        )
    ]

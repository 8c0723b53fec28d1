"""The timeline's stamps (cases 0012) migrate onto a database that already holds cases and the reports'
triggers on the timeline, as a county's does when it upgrades: on SQLite a migration that remakes the
table fails on those triggers, so the columns must be added in place; the fill stamps every step."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sanwen.cases.models import CaseEvent
from sanwen.cases.services import case_resolve, case_return_visit
from sanwen.core.access import Role

from .test_latest_step import _stamps, _walk

BEFORE = [("cases", "0011_event_timeline")]


@pytest.mark.django_db(transaction=True)
def test_the_stamps_migrate_onto_a_database_with_cases_and_the_reports_triggers(world, assigned):
    staff = world.a.users[Role.STAFF]
    on = datetime.date(2026, 3, 2)
    resolved = case_resolve(case=assigned(on=on), by=staff, resolution="已解决", on=on)
    case_return_visit(case=resolved, by=staff, satisfaction="satisfied", comment="", on=on)
    assigned(on=on)  # one still open
    right = _walk()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "cases_caseevent")]
        triggers = (
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0]
            if connection.vendor == "sqlite"
            else 1
        )
    assert "latest" not in columns and triggers
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert _stamps() == right
    assert CaseEvent.objects.filter(latest=True).count() == 2

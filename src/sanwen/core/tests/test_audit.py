import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from sanwen.core.models import AuditEvent


def test_every_service_write_in_the_world_is_audited(world):
    household = world.a.farmer
    event = AuditEvent.objects.get(
        object_type="clients.household", object_id=str(household.pk), action="create"
    )
    assert event.bureau_id == world.a.bureau.pk
    assert event.changes["name"] == [None, household.name]


def test_the_audit_trail_refuses_updates_and_deletes_through_the_orm(world):
    event = AuditEvent.objects.first()
    event.note = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(note="tampered")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_the_database_itself_refuses_to_update_an_audit_row(world):
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET note = 'tampered' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.note != "tampered"


def test_the_audit_page_masks_personal_numbers_for_an_inspector(client, world):
    from sanwen.core.access import Role

    client.force_login(world.a.users[Role.INSPECTOR])
    html = client.get("/audit/", {"type": "clients.household"}).content.decode()
    assert "138****1234" in html and "13812341234" not in html
    client.force_login(world.a.users[Role.ADMIN])
    html = client.get("/audit/", {"type": "clients.household"}).content.decode()
    assert "13812341234" in html


def test_the_audit_page_shows_another_bureaus_events_to_nobody(client, world):
    from sanwen.core.access import Role

    client.force_login(world.b.users[Role.ADMIN])
    html = client.get("/audit/", {"type": "clients.household"}).content.decode()
    assert world.a.farmer.name not in html and world.b.farmer.name in html


def test_bulk_audit_rows_store_time_as_the_orm_does(world):
    from django.utils import timezone

    from sanwen.core.audit import audit_bulk_create

    before = timezone.now()
    audit_bulk_create(by=None, objs=[world.a.farmer], note="bulk")
    assert AuditEvent.objects.filter(note="bulk", at__gte=before, at__lte=timezone.now()).count() == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET note = 'tampered'",
        "DELETE FROM core_auditevent WHERE id = %(pk)s",
        "DELETE FROM core_auditevent",
        "TRUNCATE core_auditevent",
        "TRUNCATE TABLE core_auditevent CASCADE",
    ],
)
def test_the_database_refuses_to_change_or_shorten_the_audit_trail(world, statement):
    """Whoever sends it — the app's own connection included — the database refuses. SQLite has no
    TRUNCATE (it is a syntax error there); its DELETE without WHERE is refused like any DELETE."""
    events = AuditEvent.objects.count()
    first = AuditEvent.objects.order_by("pk").first()
    assert events > 0
    if statement.startswith("TRUNCATE") and connection.vendor == "sqlite":
        statement = "DELETE FROM core_auditevent"
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement % {"pk": first.pk})
    assert AuditEvent.objects.count() == events
    first.refresh_from_db()
    assert first.note != "tampered"


def test_the_audit_page_names_fields_labels_and_people_in_words(client, world):
    """An inspector reads a household's creation as field names, labels and names, not codes and ids."""
    from sanwen.core.access import Role

    client.force_login(world.a.users[Role.INSPECTOR])
    html = client.get("/audit/", {"type": "clients.household", "id": world.a.farmer.pk}).content.decode()
    assert world.a.farmer.name in html
    assert "烟农" in html  # the kind's label, not "farmer"
    assert world.a.township.name in html  # the township by name, not its id
    assert "<b>ID</b>" not in html  # the record's own number is in its column, not a change


@pytest.mark.parametrize("bad", ["abc", "-1", "99999999999999999999999", "2026-13-01"])
def test_the_audit_page_answers_bad_filters_with_a_message(client, world, bad):
    from sanwen.core.access import Role

    client.force_login(world.a.users[Role.INSPECTOR])
    response = client.get("/audit/", {"id": bad, "start": bad})
    assert response.status_code == 200
    assert "table" in response.content.decode()


def test_the_audit_page_filters_by_person_record_and_dates(client, world, django_assert_max_num_queries):
    from sanwen.core.access import Role

    client.force_login(world.a.users[Role.ADMIN])
    from sanwen.core.audit import audit_note

    actor = world.a.users[Role.STAFF]
    audit_note(by=actor, obj=world.a.farmer, action="update", note="walked by")
    today = timezone.localdate()
    everyone = client.get("/audit/").context["page"].paginator.count
    with django_assert_max_num_queries(20):
        mine = client.get("/audit/", {"who": actor.username, "start": today, "end": today})
    assert 0 < mine.context["page"].paginator.count < everyone
    assert all(e.actor_id == actor.pk for e in mine.context["page"])
    one = client.get("/audit/", {"type": "clients.household", "id": world.a.farmer.pk}).context["page"]
    assert {(e.object_type, e.object_id) for e in one} == {("clients.household", str(world.a.farmer.pk))}
    future = client.get("/audit/", {"start": today + datetime.timedelta(days=1)})
    assert future.context["page"].paginator.count == 0


def test_an_insert_may_not_replace_an_audit_row(world):
    """SQLite's INSERT OR REPLACE deletes the row it replaces without firing delete triggers, and
    PostgreSQL's INSERT … ON CONFLICT DO UPDATE is an update: both refused, the row unchanged."""
    event = AuditEvent.objects.order_by("pk").first()
    before = (event.object_repr, event.note)
    cols = ", ".join(f.column for f in AuditEvent._meta.concrete_fields)
    if connection.vendor == "sqlite":
        sql = f"INSERT OR REPLACE INTO core_auditevent ({cols}) SELECT {cols} FROM core_auditevent WHERE id = %s"  # noqa: S608
    else:
        sql = (
            f"INSERT INTO core_auditevent ({cols}) SELECT {cols} FROM core_auditevent WHERE id = %s "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET note = 'rewritten'"
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert (event.object_repr, event.note) == before

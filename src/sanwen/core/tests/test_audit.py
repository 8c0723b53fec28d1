import pytest
from django.db import DatabaseError, connection, transaction

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
    from sanwen.core.permissions import Role

    client.force_login(world.a.users[Role.INSPECTOR])
    html = client.get("/audit/", {"type": "clients.household"}).content.decode()
    assert "138****1234" in html and "13812341234" not in html
    client.force_login(world.a.users[Role.ADMIN])
    html = client.get("/audit/", {"type": "clients.household"}).content.decode()
    assert "13812341234" in html


def test_the_audit_page_shows_another_bureaus_events_to_nobody(client, world):
    from sanwen.core.permissions import Role

    client.force_login(world.b.users[Role.ADMIN])
    html = client.get("/audit/", {"type": "clients.household"}).content.decode()
    assert world.a.farmer.name not in html and world.b.farmer.name in html


def test_bulk_audit_rows_store_time_as_the_orm_does(world):
    from django.utils import timezone

    from sanwen.core.audit import audit_bulk_create

    before = timezone.now()
    audit_bulk_create(by=None, objs=[world.a.farmer], note="bulk")
    assert AuditEvent.objects.filter(note="bulk", at__gte=before, at__lte=timezone.now()).count() == 1

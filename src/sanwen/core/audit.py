"""The audit trail: services call these inside their transaction, so a change and its record
commit or roll back together."""

import datetime
import decimal
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from sanwen.core.models import AuditAction, AuditEvent


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


# Bookkeeping and derived columns; search_key repeats (and would leak) the personal numbers.
NOT_AUDITED = {"created_at", "updated_at", "password", "last_login", "search_key", "path"}


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict:
    """The concrete field values of obj (foreign keys as ids), JSON-ready."""
    result = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in NOT_AUDITED:
            continue
        result[field.name] = _plain(getattr(obj, field.attname))
    return result


def diff(before: dict, after: dict) -> dict:
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def _bureau_id(obj):
    if obj.__class__.__name__ == "Bureau":
        return obj.pk
    return getattr(obj, "bureau_id", None)


def _event(*, by, obj, action, changes, note="") -> AuditEvent:
    return AuditEvent(
        actor=by if getattr(by, "pk", None) else None,
        bureau_id=_bureau_id(obj),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes,
        note=note[:500],
    )


def audit_create(*, by, obj: models.Model, note: str = "") -> AuditEvent:
    event = _event(by=by, obj=obj, action=AuditAction.CREATE, changes=diff({}, snapshot(obj)), note=note)
    event.save()
    return event


def audit_update(*, by, obj: models.Model, before: dict, note: str = "") -> AuditEvent | None:
    """Record what changed since `before` (a snapshot); records nothing if nothing changed."""
    changes = diff(before, snapshot(obj, before.keys()))
    if not changes:
        return None
    event = _event(by=by, obj=obj, action=AuditAction.UPDATE, changes=changes, note=note)
    event.save()
    return event


def audit_delete(*, by, obj: models.Model, note: str = "") -> AuditEvent:
    event = _event(by=by, obj=obj, action=AuditAction.DELETE, changes=diff(snapshot(obj), {}), note=note)
    event.save()
    return event


def audit_note(*, by, obj: models.Model, action: str, note: str, changes: dict | None = None) -> AuditEvent:
    event = _event(by=by, obj=obj, action=action, changes=changes or {}, note=note)
    event.save()
    return event


def audit_bulk_create(*, by, objs: list[models.Model], note: str = "") -> None:
    """One CREATE event per object (imports, the demo), written with one executemany: the ORM's
    per-value preparation would cost more than the rows being audited."""
    if not objs:
        return
    table = AuditEvent._meta.db_table
    changes_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql = (
        f"INSERT INTO {table} (at, actor_id, bureau_id, action, object_type, object_id, object_repr, changes, note) "  # noqa: S608
        f"VALUES (%s, %s, %s, %s, %s, %s, %s, {changes_param}, %s)"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())  # as the ORM stores it
    actor_id = by.pk if getattr(by, "pk", None) else None
    label = objs[0]._meta.label_lower
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    rows = [
        (
            now,
            actor_id,
            _bureau_id(o),
            AuditAction.CREATE.value,
            label,
            str(o.pk),
            str(o)[:200],
            encoder.encode({k: [None, v] for k, v in snapshot(o).items() if v is not None}),
            note[:500],
        )
        for o in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def masked_changes(event: AuditEvent) -> dict:
    """The event's changes with personal numbers masked, for viewers who may not see them."""
    from sanwen.core.text import mask_id, mask_licence, mask_phone

    maskers = {"phone": mask_phone, "id_number": mask_id, "credit_code": mask_id}
    if event.object_type == "clients.retaillicence":
        maskers["number"] = mask_licence
    result = {}
    for field, pair in event.changes.items():
        mask = maskers.get(field)
        if mask and isinstance(pair, list):
            pair = [mask(v) if isinstance(v, str) else v for v in pair]
        result[field] = pair
    return result

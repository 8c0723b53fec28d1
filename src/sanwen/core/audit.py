"""The audit trail: services call these inside their transaction, so a change and its record
commit or roll back together."""

import datetime
import decimal
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from sanwen.core.access import audit_changes_for, confidential_case_ids, visible
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


# --- reading ------------------------------------------------------------------------------


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _ids(pair) -> list:
    values = pair if isinstance(pair, list) else [pair]
    return [v for v in values if isinstance(v, int) or (isinstance(v, str) and v.isdigit())]


@dataclass
class Line:
    """One changed field as an inspector reads it: its name, and the value before and after."""

    label: str
    before: str | None
    after: str
    before_link: str = ""
    after_link: str = ""


def _history(label: str, pk) -> str:
    return f"{reverse('audit_list')}?{urlencode({'type': label, 'id': pk})}"


def present(events, user) -> None:
    """Make a page of audit entries readable: the record's kind in words and a link to it, each changed
    field by its name with labels instead of codes and names instead of ids (related records linked to
    their own history), personal data masked as the access policy says. One query per kind of record
    named on the page, whatever the page's length."""
    events = list(events)
    # Whether each case on the page is confidential, looked up once for the page (not once an entry).
    confidential = confidential_case_ids(e.object_id for e in events if e.object_type == "cases.case")
    wanted = defaultdict(set)  # model -> ids to name
    for event in events:
        event.shown = audit_changes_for(event, user, confidential)
        event.model = _model(event.object_type)
        if event.model is None:
            continue
        wanted[event.model].add(event.object_id)
        for name, pair in event.shown.items():
            f = _field(event.model, name)
            if f is not None and f.many_to_one:
                wanted[f.related_model].update(str(v) for v in _ids(pair))
    names, links = {}, {}
    for model, ids in wanted.items():
        ids = [int(i) for i in ids if str(i).isdigit()]
        if not ids:
            continue
        try:
            rows = visible(model._default_manager.filter(pk__in=ids), user)
        except ImproperlyConfigured:
            continue  # bookkeeping tables nobody reads: shown by number
        for row in rows:
            names[(model, str(row.pk))] = str(row)
            if hasattr(row, "get_absolute_url"):
                links[(model, str(row.pk))] = row.get_absolute_url()
    for event in events:
        model = event.model
        event.type_label = capfirst(model._meta.verbose_name) if model else event.object_type
        event.link = links.get((model, str(event.object_id)), "")
        event.history = _history(event.object_type, event.object_id)
        event.lines = [
            _line(model, name, pair, names) for name, pair in event.shown.items() if name not in NOT_SHOWN
        ]


HIDDEN = "***"  # what the access policy put in place of a value the reader may not see
# The record's own number is in its column; the stale-form counter says nothing to a reader.
NOT_SHOWN = {"id", "version"}


def _line(model, name, pair, names) -> Line:
    f = _field(model, name) if model is not None else None
    label = capfirst(f.verbose_name) if f is not None and hasattr(f, "verbose_name") else name
    before, after = (pair[0], pair[1]) if isinstance(pair, list) and len(pair) == 2 else (None, pair)
    line = Line(label=str(label), before=None, after="")
    for side, value in (("before", before), ("after", after)):
        text, link = _value(f, value, names)
        setattr(line, side, text)
        setattr(line, f"{side}_link", link)
    if before is None:
        line.before = None
    return line


def _value(f, value, names) -> tuple[str, str]:
    if value is None or value == "":
        return "—", ""
    if value == HIDDEN:
        return HIDDEN, ""
    if f is not None and f.many_to_one:
        key = (f.related_model, str(value))
        name = names.get(key)
        link = _history(f.related_model._meta.label_lower, value)
        return (name, link) if name else (f"#{value}", "")
    if isinstance(value, bool):
        return (_("Yes") if value else _("No")), ""
    if f is not None and f.choices:
        return str(dict(f.flatchoices).get(value, value)), ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False), ""
    return str(value), ""

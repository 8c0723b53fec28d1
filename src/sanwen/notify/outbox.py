"""Putting messages into the outbox: for each notice, the channels its recipient chose for its kind,
the address on each channel, and when it may leave (quiet hours). Set-based: one query for the
recipients' preferences and one bulk INSERT however many notices a caller hands in.

Called inside the caller's transaction, so a notice and the change it tells about commit together
(or not at all); nothing here talks to a provider."""

import datetime
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from sanwen.notify.models import Channel, Message, Profile, Topic
from sanwen.org.models import Department, Staff

# Longest subject and key the table holds: a longer one is cut rather than refused.
SUBJECT_MAX = 200
KEY_MAX = 96


class Addressee(NamedTuple):
    """What the outbox reads of a recipient: a Staff row has the same attributes. A caller with
    thousands of recipients (the clock) reads these rather than build a model instance for each."""

    pk: int
    bureau_id: int | None
    department_id: int | None
    email: str
    wecom_userid: str
    phone: str


def addressees(ids) -> dict[int, Addressee]:
    """The staff members `ids` as Addressees, by id (one query)."""
    rows = Staff.objects.filter(pk__in=set(ids)).values_list(*Addressee._fields)
    return {row[0]: Addressee(*row) for row in rows}


@dataclass
class Notice:
    """Something to tell one staff member. `key` identifies it: the same key twice is one message."""

    recipient: object  # a Staff row, or its Addressee
    topic: str
    key: str
    subject: str
    body: str
    urgent: bool = False
    sms_template: str = "alert"
    # The SMS template's parameters by name, in the template's order (Tencent takes the values).
    sms_params: dict = field(default_factory=dict)


def parse_time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


# The enums' values, listed once (Django's `.values` builds a new list on every use; the clock asks
# for each person and topic).
CHANNELS = frozenset(Channel.values)
TOPICS = tuple(Topic.values)


def default_channels() -> list[str]:
    return [c for c in settings.NOTIFY_DEFAULT_CHANNELS if c in CHANNELS]


def group_may_carry(topic: str) -> bool:
    """Whether a department's group robot may carry this kind of notice: everyone in the group reads
    it, so never what the access policy keeps to one person (integrity reports, a person's digest)."""
    return topic in set(settings.NOTIFY_GROUP_TOPICS) - {Topic.INTEGRITY, Topic.DIGEST, Topic.CLIENT}


def channels_for(profile: Profile | None, topic: str) -> list[str]:
    """The channels a person receives `topic` on: their choice, else the defaults (a group robot only
    for what the whole group may read)."""
    chosen = (profile.channels or {}).get(topic) if profile else None
    if chosen is None:
        chosen = default_channels()
    return [c for c in chosen if c in CHANNELS and (c != Channel.ROBOT or group_may_carry(topic))]


def quiet_hours(profile: Profile | None) -> tuple[datetime.time, datetime.time]:
    start = (
        profile.quiet_start if profile and profile.quiet_start else parse_time(settings.NOTIFY_QUIET_START)
    )
    end = profile.quiet_end if profile and profile.quiet_end else parse_time(settings.NOTIFY_QUIET_END)
    return start, end


def release_time(now: datetime.datetime, start: datetime.time, end: datetime.time) -> datetime.datetime:
    """`now` if it is outside the quiet hours [start, end) (local time), else the moment they end.
    Quiet hours may run over midnight (22:00–07:00); equal ends mean no quiet hours."""
    local = timezone.localtime(now)
    t = local.time()
    if start == end:
        return now
    quiet = start <= t < end if start < end else (t >= start or t < end)
    if not quiet:
        return now
    day = local.date() if t < end else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, end), local.tzinfo)


def address_on(person, channel: str, groups: dict | None = None) -> str:
    if channel == Channel.EMAIL:
        return person.email or ""
    if channel == Channel.WECOM:
        return person.wecom_userid or ""
    if channel == Channel.SMS:
        return person.phone or ""
    if channel == Channel.ROBOT:
        return (groups or {}).get(person.department_id, "")
    return ""


def _groups(department_ids) -> dict:
    return dict(
        Department.objects.filter(pk__in=set(department_ids))
        .exclude(wecom_group="")
        .values_list("pk", "wecom_group")
    )


def reachable(people, topics=TOPICS) -> set[tuple[int, str]]:
    """(person, topic) pairs, of `topics`, that would give at least one message: a caller with many
    notices to compose (the clock) renders only those. Two queries."""
    people = list(people)
    profiles = Profile.objects.in_bulk({p.pk for p in people})
    groups = _groups(p.department_id for p in people)
    out = set()
    for person in people:
        for topic in topics:
            if any(address_on(person, c, groups) for c in channels_for(profiles.get(person.pk), topic)):
                out.add((person.pk, topic))
    return out


def enqueue(notices: Iterable[Notice], *, now: datetime.datetime | None = None) -> int:
    """Put each notice into the outbox on its recipient's channels; returns the messages offered (a
    message already in the outbox under the same channel, address and key is not added again)."""
    notices = list(notices)
    if not notices:
        return 0
    now = now or timezone.now()
    profiles = Profile.objects.in_bulk({n.recipient.pk for n in notices})
    urgent_topics = set(settings.NOTIFY_URGENT_TOPICS)
    groups = _groups(n.recipient.department_id for n in notices)
    rows = []
    for n in notices:
        person = n.recipient
        profile = profiles.get(person.pk)
        not_before = now
        if not (n.urgent or n.topic in urgent_topics):
            not_before = release_time(now, *quiet_hours(profile))
        key, subject = n.key[:KEY_MAX], n.subject[:SUBJECT_MAX]
        for channel in channels_for(profile, n.topic):
            address = address_on(person, channel, groups)
            if not address:
                continue
            sms = channel == Channel.SMS
            rows.append(
                (
                    person.bureau_id,
                    person.pk,
                    channel,
                    address,
                    n.topic,
                    key,
                    subject,
                    n.body,
                    n.sms_template if sms else "",
                    n.sms_params if sms else {},
                    n.urgent,
                    not_before,
                    now,
                )
            )
    _insert(rows)
    return len(rows)


# The columns enqueue gives each message, in its rows' order; the others take their defaults.
WRITTEN = (
    "bureau_id",
    "recipient_id",
    "channel",
    "address",
    "topic",
    "key",
    "subject",
    "body",
    "template",
    "params",
    "urgent",
    "not_before",
    "created_at",
)
# Values both databases' drivers take as Python gives them: no field need prepare them.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


def _insert(rows: list[tuple]) -> None:
    """Insert messages (values in WRITTEN's order) not already in the outbox under the same channel,
    address and key: what Message.objects.bulk_create(..., ignore_conflicts=True) does, without a
    model instance per message nor every value prepared through its field (the clock's pass queues
    thousands: that was a third of its time with e-mail). Texts, numbers, flags and keys go as they
    are; the others through their field, a day's moments once each."""
    if not rows:
        return
    written = [Message._meta.get_field(name) for name in WRITTEN]
    defaulted = [f for f in Message._meta.concrete_fields if not f.primary_key and f not in written]
    fields = written + defaulted
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in defaulted)
    prepared: dict = {}

    def prepare(field, value):
        if value is None or isinstance(field, _PLAIN):
            return value
        if isinstance(value, datetime.datetime):  # a few distinct moments: each prepared once
            if (field, value) not in prepared:
                prepared[field, value] = field.get_db_prep_save(value, connection)
            return prepared[field, value]
        return field.get_db_prep_save(value, connection)

    table = connection.ops.quote_name(Message._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _insert_document(cursor, table, columns, written, defaulted, defaults, rows, prepare)
            return
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        size = max(1, min(1000, connection.ops.bulk_batch_size(fields, rows)))
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            values = []
            for row in batch:
                values.extend(prepare(f, v) for f, v in zip(written, row, strict=True))
                values.extend(defaults)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(batch))} "  # noqa: S608
                "ON CONFLICT DO NOTHING",
                values,
            )


def _base_type(field) -> str:
    """The column's type without its length (varchar(96) -> varchar): the INSERT's own assignment then
    refuses a value too long, as a VALUES list would, where a cast to varchar(96) would cut it."""
    return re.sub(r"\(\d+\)", "", field.db_type(connection))


def _insert_document(cursor, table, columns, written, defaulted, defaults, rows, prepare) -> None:
    """PostgreSQL: every row in one statement, read from one JSON document (json_to_recordset), each
    default one value. A VALUES list has a placeholder per value and the driver scans the statement
    for them in Python, and arrays are quoted element by element: for the clock's thousands of
    messages either cost more than the insert itself; one JSON text is written and quoted in C."""
    names = [f"c{i}" for i in range(len(written))]
    moments: dict = {}

    def plain(field, value):
        if isinstance(value, datetime.datetime):  # a few distinct moments: each written once
            if value not in moments:
                # Through its field (`prepare`) first: a naive moment is taken in the site's zone, as
                # a model's save would, not in the database session's UTC.
                moments[value] = prepare(field, value).isoformat()
            return moments[value]
        if isinstance(field, models.JSONField) and field.encoder is not None and value is not None:
            return json.loads(json.dumps(value, cls=field.encoder))
        return value

    document = json.dumps(
        [{n: plain(f, v) for n, f, v in zip(names, written, row, strict=True)} for row in rows],
        ensure_ascii=False,
    )
    record = ", ".join(f"{n} {_base_type(f)}" for n, f in zip(names, written, strict=True))
    constants = "".join(f", %s::{_base_type(f)}" for f in defaulted)
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(names)}{constants} "  # noqa: S608
        f"FROM json_to_recordset(%s::json) AS r({record}) ON CONFLICT DO NOTHING",
        [*defaults, document],  # in the statement's order: the defaults come first
    )


def enqueue_client_sms(
    *, bureau_id: int, phone: str, key: str, template: str, params: dict, body: str, now=None
) -> None:
    """One SMS to a client (a farmer or retailer who agreed): held through the bureau's default quiet
    hours, never sent twice under the same key."""
    now = now or timezone.now()
    not_before = release_time(
        now, parse_time(settings.NOTIFY_QUIET_START), parse_time(settings.NOTIFY_QUIET_END)
    )
    Message.objects.bulk_create(
        [
            Message(
                bureau_id=bureau_id,
                channel=Channel.SMS,
                address=phone,
                topic=Topic.CLIENT,
                key=key[:KEY_MAX],
                subject=body[:SUBJECT_MAX],
                body=body,
                template=template,
                params=params,
                not_before=not_before,
                created_at=now,
            )
        ],
        ignore_conflicts=True,
    )

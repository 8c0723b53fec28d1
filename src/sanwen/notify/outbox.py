"""Putting messages into the outbox: for each notice, the channels its recipient chose for its kind,
the address on each channel, and when it may leave (quiet hours). Set-based: one query for the
recipients' preferences and one bulk INSERT however many notices a caller hands in.

Called inside the caller's transaction, so a notice and the change it tells about commit together
(or not at all); nothing here talks to a provider."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from sanwen.notify.models import Channel, Message, Profile, Topic
from sanwen.org.models import Department

# Longest subject and key the table holds: a longer one is cut rather than refused.
SUBJECT_MAX = 200
KEY_MAX = 96


@dataclass
class Notice:
    """Something to tell one staff member. `key` identifies it: the same key twice is one message."""

    recipient: object  # a Staff row with bureau_id, email, wecom_userid, phone, department
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


def reachable(people) -> set[tuple[int, str]]:
    """(person, topic) pairs that would give at least one message: a caller with many notices to
    compose (the clock) renders only those. Two queries."""
    people = list(people)
    profiles = Profile.objects.in_bulk({p.pk for p in people})
    groups = _groups(p.department_id for p in people)
    out = set()
    for person in people:
        for topic in TOPICS:
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
        for channel in channels_for(profile, n.topic):
            address = address_on(person, channel, groups)
            if not address:
                continue
            rows.append(
                Message(
                    bureau_id=person.bureau_id,
                    recipient_id=person.pk,
                    channel=channel,
                    address=address,
                    topic=n.topic,
                    key=n.key[:KEY_MAX],
                    subject=n.subject[:SUBJECT_MAX],
                    body=n.body,
                    template=n.sms_template if channel == Channel.SMS else "",
                    params=n.sms_params if channel == Channel.SMS else {},
                    urgent=n.urgent,
                    not_before=not_before,
                    created_at=now,
                )
            )
    Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


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

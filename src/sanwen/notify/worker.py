"""The worker: claims due messages, hands each to its channel, writes down what happened.

Any number of workers may run, on one machine or several. A claim marks a batch as being sent by one
worker until a lease ends: on PostgreSQL the due rows are locked with FOR UPDATE SKIP LOCKED (two
workers never wait for or take the same rows); on SQLite the claim's transaction holds the database's
write lock (BEGIN IMMEDIATE), so claims happen one after the other and the conditional UPDATE takes
only rows still due. A worker that dies holding a claim leaves it to expire; its rows are then due
again.

A failure is retried with exponential backoff (NOTIFY_BACKOFF_SECONDS doubling, at most
NOTIFY_BACKOFF_MAX_SECONDS, or what the provider asked for) until NOTIFY_MAX_ATTEMPTS, then given
up; a failure trying again cannot mend (an unknown user id, a bad number) is given up at once. Every
try is in the delivery log with the provider's code.

A group robot takes WECOM_ROBOT_PER_MINUTE messages a minute: before sending, a worker reserves a
slot in the robot's last sixty seconds (sent_at is set when the slot is taken), under a lock per robot
(PostgreSQL advisory lock; SQLite's write lock), so several workers together stay within it."""

import datetime
import hashlib
import os
import random
import socket
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from sanwen.notify import channels
from sanwen.notify.models import Attempt, Channel, Message, Outcome, Status

ROBOT_WINDOW = datetime.timedelta(seconds=60)


@dataclass
class Tally:
    sent: int = 0
    retried: int = 0
    gave_up: int = 0
    deferred: int = 0

    def add(self, other: "Tally") -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.gave_up += other.gave_up
        self.deferred += other.deferred

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.gave_up + self.deferred

    def summary(self) -> str:
        return f"{self.sent} sent, {self.retried} to retry, {self.gave_up} given up, {self.deferred} held at a limit"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def _due(now: datetime.datetime) -> Q:
    waiting = Q(status__in=(Status.PENDING, Status.RETRY), not_before__lte=now)
    abandoned = Q(status=Status.SENDING, claimed_until__lt=now)
    return waiting | abandoned


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=max(120, settings.NOTIFY_HTTP_TIMEOUT * 4 * 3))


def claim(*, worker: str, limit: int = 20, now: datetime.datetime | None = None) -> list[Message]:
    """Take up to `limit` due messages for this worker; no other worker gets them until the lease ends."""
    now = now or timezone.now()
    token = f"{worker}#{uuid.uuid4().hex[:12]}"[-64:]
    with transaction.atomic():
        due = Message.objects.filter(_due(now)).order_by("not_before", "id")
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # Conditional: a row another claim took meanwhile (were the lock ever missing) is not taken.
        Message.objects.filter(_due(now), pk__in=ids).update(
            status=Status.SENDING, claimed_by=token, claimed_until=now + lease()
        )
    return list(Message.objects.filter(claimed_by=token, status=Status.SENDING).order_by("not_before", "id"))


def backoff(attempts: int) -> datetime.timedelta:
    base = settings.NOTIFY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    seconds = min(base, settings.NOTIFY_BACKOFF_MAX_SECONDS)
    return datetime.timedelta(seconds=seconds * random.uniform(0.8, 1.0))  # noqa: S311 - jitter only


def _robot_lock(group: str) -> None:
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"robot:{group}".encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def reserve_robot_slot(message: Message, *, now: datetime.datetime) -> datetime.datetime | None:
    """Take a slot in the robot's minute for this message (None), or say when the next one frees."""
    with transaction.atomic():
        _robot_lock(message.address)
        recent = Message.objects.filter(
            channel=Channel.ROBOT, address=message.address, sent_at__gt=now - ROBOT_WINDOW
        ).exclude(pk=message.pk)
        if recent.count() >= settings.WECOM_ROBOT_PER_MINUTE:
            oldest = recent.aggregate(oldest=Min("sent_at"))["oldest"]
            return oldest + ROBOT_WINDOW + datetime.timedelta(milliseconds=50)
        Message.objects.filter(pk=message.pk).update(sent_at=now)
    return None


def _finish(message: Message, result: channels.Delivery, *, worker: str, now: datetime.datetime) -> str:
    """Record one try; only the worker holding the claim writes (a lease that ran out was taken over)."""
    attempts = message.attempts + 1
    mine = Message.objects.filter(pk=message.pk, claimed_by=message.claimed_by, status=Status.SENDING)
    with transaction.atomic():
        if result.ok:
            outcome, fields = Outcome.SENT, {"status": Status.SENT, "sent_at": message.sent_at or now}
        elif not result.retry or attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            outcome, fields = Outcome.GAVE_UP, {"status": Status.GAVE_UP, "sent_at": None}
        else:
            wait = datetime.timedelta(seconds=result.retry_after) if result.retry_after else backoff(attempts)
            outcome = Outcome.RETRIED
            fields = {"status": Status.RETRY, "sent_at": None, "not_before": now + wait}
        updated = mine.update(attempts=attempts, last_code=result.code[:64], claimed_until=None, **fields)
        if updated:
            Attempt.objects.create(
                message_id=message.pk,
                at=now,
                outcome=outcome,
                code=result.code[:64],
                detail=channels.scrub(result.detail),
                worker=worker,
            )
    return outcome if updated else ""


def _defer(message: Message, until: datetime.datetime, *, worker: str, now: datetime.datetime) -> None:
    with transaction.atomic():
        updated = Message.objects.filter(
            pk=message.pk, claimed_by=message.claimed_by, status=Status.SENDING
        ).update(status=Status.RETRY, not_before=until, claimed_until=None)
        if updated:
            Attempt.objects.create(
                message_id=message.pk,
                at=now,
                outcome=Outcome.DEFERRED,
                code="rate limit",
                detail=f"{settings.WECOM_ROBOT_PER_MINUTE}/min",
                worker=worker,
            )


def send_one(message: Message, *, worker: str) -> str:
    now = timezone.now()
    if message.channel == Channel.ROBOT:
        until = reserve_robot_slot(message, now=now)
        if until is not None:
            _defer(message, until, worker=worker, now=now)
            return Outcome.DEFERRED
        message.sent_at = now
    result = channels.deliver(message)
    return _finish(message, result, worker=worker, now=timezone.now())


def run_once(
    *,
    worker: str | None = None,
    batch: int = 20,
    max_messages: int | None = None,
    as_of: datetime.datetime | None = None,
) -> Tally:
    """Send everything due now (in batches), then return what happened. `as_of` (tests, catching
    up by hand) takes what is due by then, quiet hours included."""
    worker = worker or worker_name()
    tally = Tally()
    while max_messages is None or tally.handled < max_messages:
        claimed = claim(worker=worker, limit=batch, now=as_of)
        if not claimed:
            break
        for message in claimed:
            outcome = send_one(message, worker=worker)
            if outcome == Outcome.SENT:
                tally.sent += 1
            elif outcome == Outcome.RETRIED:
                tally.retried += 1
            elif outcome == Outcome.GAVE_UP:
                tally.gave_up += 1
            elif outcome == Outcome.DEFERRED:
                tally.deferred += 1
    return tally


def retry_now(*, ids, bureau_id: int | None) -> int:
    """An administrator sends given-up messages again (the count of messages put back in the queue)."""
    qs = Message.objects.filter(pk__in=ids, status=Status.GAVE_UP)
    if bureau_id is not None:
        qs = qs.filter(bureau_id=bureau_id)
    return qs.update(status=Status.RETRY, not_before=timezone.now(), attempts=F("attempts") * 0)


def deliver_all() -> Tally:
    """Send everything in the outbox now, quiet hours and backoff notwithstanding (tests, demos)."""
    return run_once(as_of=timezone.now() + datetime.timedelta(days=2))

"""What the worker queues on its own schedule, besides sending: the daily digest at DIGEST_AT on
working days, and the SMS to clients who agreed (their matter registered, then resolved).

Both are safe with any number of workers: a day's digest is queued by the worker that inserts the
day's DigestDay row (in the same transaction as its messages); a client's SMS has a key of its own and
its consent row records what was queued, both in one transaction."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanwen.cases.models import CLOSED_STATES
from sanwen.core.calendar import WorkingCalendar
from sanwen.digest.compose import digest_notices
from sanwen.notify.models import DigestDay, SmsConsent
from sanwen.notify.outbox import enqueue, enqueue_client_sms, parse_time

BATCH = 500


def scheduled_work(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return digest_if_due(now=now) + client_sms_due(now=now)


def digest_if_due(*, now: datetime.datetime) -> int:
    """Queue today's digest once, from DIGEST_AT on a working day (a worker started later that day
    still queues it); returns the messages queued."""
    local = timezone.localtime(now)
    today = local.date()
    if local.time() < parse_time(settings.DIGEST_AT):
        return 0
    if DigestDay.objects.filter(day=today).exists():
        return 0
    calendar = WorkingCalendar.load()
    if not calendar.knows(today.year) or not calendar.is_workday(today):
        return 0
    previous = DigestDay.objects.filter(day__lt=today).order_by("-day").first()
    since = previous.at if previous else now - datetime.timedelta(days=1)
    try:
        with transaction.atomic():
            DigestDay.objects.create(day=today, at=now)
            return enqueue(digest_notices(today=today, since=since, calendar=calendar), now=now)
    except IntegrityError:
        return 0  # another worker queued it


def tracking_link(code: str) -> str:
    if not settings.PORTAL_BASE_URL:
        return ""
    return f"{settings.PORTAL_BASE_URL}/p/track/?code={code}"


def client_sms_due(*, now: datetime.datetime) -> int:
    queued = 0
    fresh = SmsConsent.objects.filter(registered_queued_at__isnull=True).select_related("case")[:BATCH]
    for consent in fresh:
        case = consent.case
        with transaction.atomic():
            if not SmsConsent.objects.filter(pk=consent.pk, registered_queued_at__isnull=True).update(
                registered_queued_at=now
            ):
                continue
            enqueue_client_sms(
                bureau_id=case.bureau_id,
                phone=consent.phone,
                key=f"registered:{case.pk}",
                template="registered",
                params={"code": case.tracking_code or ""},
                body=_("Your matter %(number)s is registered. Tracking code %(code)s.")
                % {"number": case.number, "code": case.tracking_code},
                now=now,
            )
            queued += 1
    resolved = (
        SmsConsent.objects.filter(case__state__in=CLOSED_STATES, case__resolved_on__isnull=False)
        .filter(Q(resolved_queued_for__isnull=True) | ~Q(resolved_queued_for=F("case__resolved_on")))
        .select_related("case")[:BATCH]
    )
    for consent in resolved:
        case = consent.case
        with transaction.atomic():
            moved = (
                SmsConsent.objects.filter(pk=consent.pk)
                .filter(Q(resolved_queued_for__isnull=True) | ~Q(resolved_queued_for=case.resolved_on))
                .update(resolved_queued_for=case.resolved_on)
            )
            if not moved:
                continue
            link = tracking_link(case.tracking_code or "")
            enqueue_client_sms(
                bureau_id=case.bureau_id,
                phone=consent.phone,
                key=f"resolved:{case.pk}:{case.resolved_on}",
                template="resolved",
                params={"code": case.tracking_code or "", "link": link},
                body=_(
                    "Your matter %(number)s is resolved. Please rate it with tracking code %(code)s %(link)s"
                )
                % {"number": case.number, "code": case.tracking_code, "link": link},
                now=now,
            )
            queued += 1
    return queued

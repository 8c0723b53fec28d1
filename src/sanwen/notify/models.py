"""The outbox and its delivery log, and what each person chose to receive.

A message is a row before it is anything else: whoever has something to say (the clock, a service,
the digest) inserts rows in its own transaction, and only the worker talks to providers. A message
is unique by (channel, address, key), so saying the same thing twice inserts nothing. Credentials
are never stored: a group robot's row names the group, the worker reads its key from the environment.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom message")
    ROBOT = "robot", _("WeCom group robot")
    SMS = "sms", _("SMS")


class Topic(models.TextChoices):
    """The kinds of notice a person chooses channels for."""

    REMINDER = "reminder", _("Reminders before a time limit")
    SUPERVISION = "supervision", _("Supervision of overdue cases")
    RETURN_VISIT = "return_visit", _("Return visits and follow-ups due")
    COMMITMENT = "commitment", _("Commitments past due")
    CASE_STEP = "case_step", _("Cases assigned, extensions, reopened")
    INTEGRITY = "integrity", _("New integrity reports")
    DIGEST = "digest", _("Daily digest")
    CLIENT = "client", _("SMS to clients")


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Given up")


class MessageQuerySet(models.QuerySet):
    def due(self, *, now: datetime.datetime):
        """Waiting or to retry, and not held (quiet hours, backoff) beyond `now`."""
        return self.filter(status__in=(Status.PENDING, Status.RETRY), not_before__lte=now)


class Message(models.Model):
    bureau = models.ForeignKey(
        "org.Bureau",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("bureau"),
    )
    # A staff member; empty for a client's SMS (the address is then the client's phone).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # E-mail address, WeCom user id, mobile number, or the group robot's name.
    address = models.CharField(_("address"), max_length=128)
    topic = models.CharField(_("kind"), max_length=16, choices=Topic.choices)
    key = models.CharField(max_length=96)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    # An SMS template's name (SMS_TEMPLATES) and its parameters by name, in the template's order.
    template = models.CharField(max_length=32, blank=True)
    params = models.JSONField(default=dict, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(_("state"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Not sent before: quiet hours and the backoff after a failure.
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    # A worker's claim: who, and until when (a claim that outlives it was a worker that died).
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_code = models.CharField(_("provider's code"), max_length=64, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "address", "key"], name="message_once")]
        indexes = [
            models.Index(fields=["status", "not_before"], name="message_due"),
            models.Index(fields=["channel", "address", "sent_at"], name="message_sent_to"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.address}: {self.subject}"


class Outcome(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    RETRIED = "retried", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Given up")
    DEFERRED = "deferred", _("Held by the provider's limit")


class Attempt(models.Model):
    """The delivery log: one row per try (and per hold at a provider's limit)."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="log", verbose_name=_("message")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    # The provider's own error code (errcode, Code, Error.Code) or an HTTP status / network error.
    code = models.CharField(_("provider's code"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    worker = models.CharField(_("worker"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["message", "at"])]

    def __str__(self):
        return f"{self.get_outcome_display()} {self.code}"


class Profile(models.Model):
    """What one person receives where: channels per topic (absent: the defaults in settings) and quiet
    hours, during which nothing that is not urgent is sent (it waits until they end)."""

    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notify_profile",
        verbose_name=_("staff member"),
    )
    channels = models.JSONField(_("channels"), default=dict, blank=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.staff)


class SmsConsent(models.Model):
    """A client agreed to receive SMS about one case (its registration and resolution)."""

    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    phone = models.CharField(_("mobile phone"), max_length=11)
    given_at = models.DateTimeField(_("agreed at"), default=timezone.now)
    # What the worker has queued: the registration SMS, and the resolution SMS for the resolution
    # of this day (a case reopened and resolved again is told again).
    registered_queued_at = models.DateTimeField(null=True, blank=True)
    resolved_queued_for = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS consent")
        verbose_name_plural = _("SMS consents")

    def __str__(self):
        return str(self.case_id)


class DigestDay(models.Model):
    """The days a daily digest was queued: a worker queues a day's digest only when it inserts the
    day's row, so any number of workers queue it once."""

    day = models.DateField(primary_key=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")

    def __str__(self):
        return str(self.day)

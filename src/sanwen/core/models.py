from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BureauOwnedModel(TimeStampedModel):
    """A row that belongs to one bureau; every query a user reaches is filtered by it."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.PROTECT, verbose_name=_("bureau"))

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    UNMASK = "unmask", _("Viewed personal numbers")
    IMPORT = "import", _("Imported")
    LOGIN = "login", _("Logged in")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only.")

    def delete(self):
        raise TypeError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """One change made through the services. Append-only: the database refuses updates too."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("who")
    )
    bureau = models.ForeignKey(
        "org.Bureau", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("bureau")
    )
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("fields before and after"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["bureau", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only.")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKDAY = "workday", _("Make-up working day (调休)")


class CalendarDay(models.Model):
    """A day the administrators entered: a statutory holiday, or a weekend made a working day.
    It overrides the chinese-calendar package, and is the only source for years the package lacks."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=64, blank=True, help_text=_("e.g. 春节, 国庆节"))

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class CalendarYear(models.Model):
    """A year whose statutory schedule the administrators have entered completely."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("e.g. 国办发明电〔2026〕…号")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    EXTENSION_REQUEST = "extension_request", _("Extension to decide")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    REOPENED = "reopened", _("Reopened for re-handling")
    PORTAL_ITEM = "portal_item", _("Raised on the public portal")
    COMMITMENT_DUE = "commitment_due", _("Commitment past due")


class Notification(models.Model):
    """A notice to one staff member from a step someone took (assigned, an extension to decide or
    decided, reopened). `key` makes each notice unique, so sending twice inserts nothing. The clock's
    reminders and supervision are read from the cases' dates (sanwen.cases.alerts)."""

    # No index of its own: the unique (recipient, kind, key) constraint leads with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("case"),
    )
    key = models.CharField(max_length=64)
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "kind", "key"], name="notification_once")]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.text


class RateCounter(models.Model):
    """Hits of one (hashed) client address on one public action in one fixed time window; the
    portal refuses the action once the window's count passes the limit (see sanwen.core.ratelimit).
    The address itself is never stored."""

    scope = models.CharField(max_length=24)
    key = models.CharField(max_length=64)
    window = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key", "window"], name="rate_counter_once")]
        indexes = [models.Index(fields=["window"])]

    def __str__(self):
        return f"{self.scope} {self.window:%Y-%m-%d %H:%M} {self.hits}"

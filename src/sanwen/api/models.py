"""API keys (a bureau's service identities) and the ids offline clients give their submissions."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanwen.core.models import BureauOwnedModel


class ApiKey(BureauOwnedModel):
    """A key an integration uses instead of a session. Only a SHA-256 of the secret is stored; the
    prefix (the token's first characters) finds the row. It acts as its bureau with exactly the
    chosen capabilities (see `sanwen.api.auth.KeyIdentity`)."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    caps = models.JSONField(_("capabilities"), default=list)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    acts_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acts for"),
        help_text=_("The staff member who signs what the key writes; a key without one only reads."),
    )
    rate_per_minute = models.PositiveIntegerField(
        _("requests a minute"),
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(6000)],
        help_text=_("Over it the API answers 429 until the next minute."),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    uses = models.PositiveIntegerField(_("uses"), default=0)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ApiKeyUse(models.Model):
    """One request made with a key: when, what, and the answer's status."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="use_log")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["key", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status}"


class ClientSubmission(BureauOwnedModel):
    """A record created through the API with an id chosen by the client (the phone's outbox): a
    resend of the same id returns the record made the first time instead of making another."""

    client_id = models.UUIDField(default=uuid.uuid4)
    kind = models.CharField(max_length=16)
    object_id = models.PositiveBigIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bureau", "kind", "client_id"], name="client_submission_once")
        ]

    def __str__(self):
        return f"{self.kind} {self.client_id} → {self.object_id}"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigestConfig(AppConfig):
    """The daily digest and the worker's schedule: it reads cases, field work and the integrity
    register (through the access policy), so it sits above them; the outbox it fills is below."""

    name = "sanwen.digest"
    verbose_name = _("Daily digest")

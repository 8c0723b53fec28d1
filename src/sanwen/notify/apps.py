from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """The outbox: every message to a person or a group (e-mail, WeCom, SMS) is a row here first and
    leaves through the worker, with retries, provider limits and a delivery log. It sits just above
    org so that the clock (cases) and every feature app can enqueue."""

    name = "sanwen.notify"
    verbose_name = _("Notifications")

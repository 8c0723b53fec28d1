from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The home desk: the start page, notifications and the bell, the working-day calendar's page,
    the demo county. It sits above every feature app and gathers from them."""

    name = "sanwen.desk"
    verbose_name = _("Home desk")

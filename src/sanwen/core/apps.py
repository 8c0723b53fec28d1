from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "sanwen.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from sanwen.core import choices, lookups

        choices.install()
        lookups.install()

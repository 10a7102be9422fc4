from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "marketplace.core"
    label = "core"
    verbose_name = _("Kernel")

    def ready(self):
        from .randomness import use_for_csrf_tokens

        use_for_csrf_tokens()

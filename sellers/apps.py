from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SellersConfig(AppConfig):
    name = "sellers"
    verbose_name = _("Sellers")

    def ready(self) -> None:
        from marketplace.core.navigation import NavEntry, register

        register(NavEntry("seller", _("Overview"), "seller:dashboard", order=0))

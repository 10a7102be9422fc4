from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BuyersConfig(AppConfig):
    name = "buyers"
    verbose_name = _("Buyer center")

    def ready(self) -> None:
        from marketplace.core.navigation import NavEntry, register

        register(NavEntry("buyer", _("Overview"), "buyer:dashboard", order=0))
        register(
            NavEntry(
                "buyer", _("My credentials"), "buyer:credentials", order=900, group=_("Account")
            )
        )
        register(
            NavEntry(
                "buyer",
                _("Real-name verification"),
                "buyer:verification",
                order=910,
                group=_("Account"),
            )
        )

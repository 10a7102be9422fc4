from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BuyersConfig(AppConfig):
    name = "buyers"
    verbose_name = _("Buyer center")

    def ready(self) -> None:
        from marketplace.core.navigation import NavEntry, register

        register(NavEntry("buyer", _("Overview"), "buyer:dashboard", order=0))
        costs = _("Costs")  # 费用中心: the buyer's money
        register(NavEntry("buyer", _("Wallet"), "buyer:wallet", order=500, group=costs))
        register(NavEntry("buyer", _("Credit line"), "buyer:credit", order=510, group=costs))
        register(NavEntry("buyer", _("Cash coupons"), "buyer:coupons", order=520, group=costs))
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

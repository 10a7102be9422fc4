from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = _("Invoices")

    def ready(self) -> None:
        # The centers' menus (invoices.views, invoices.seller_views).
        from marketplace.core.navigation import NavEntry, register

        register(
            NavEntry(
                "seller",
                _("Invoices"),
                "seller:invoice_list",
                order=245,  # in "Sales management", after the seller's agreements
                visible=_onboarded,
                group=_("Sales management"),
            )
        )
        register(NavEntry("buyer", _("Invoices"), "invoices:list", order=130, group=_("Orders")))
        register(
            NavEntry("buyer", _("Invoice titles"), "invoices:titles", order=131, group=_("Orders"))
        )
        register(
            NavEntry(
                "buyer", _("Mailing addresses"), "invoices:addresses", order=132, group=_("Orders")
            )
        )


def _onboarded(user) -> bool:
    seller = getattr(user, "seller", None) if user.is_authenticated else None
    return seller is not None and seller.status in ("active", "exit_pending")

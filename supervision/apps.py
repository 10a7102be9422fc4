from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Service supervision")

    def ready(self) -> None:
        # The seams orders leaves for supervision (orders sits below it in the layering):
        # a paid new/trial order of a supervised type opens its case in the payment's
        # transaction; a license code's first activation passes its case's node.
        from orders.hooks import register_paid_hook
        from orders.services.licenses import register_license_activated_hook

        from .services.cases import open_case_for_paid_order
        from .services.delivery import on_license_activated

        register_paid_hook(open_case_for_paid_order)
        register_license_activated_hook(on_license_activated)

        # The centers' menus (supervision.seller_views, supervision.views).
        from marketplace.core.navigation import NavEntry, register

        register(
            NavEntry(
                "seller",
                _("Service supervision"),
                "seller:supervision_list",
                order=260,
                visible=_delivers,
                group=_("Delivery management"),
            )
        )
        # The buyer's "My marketplace" entries (my orders, purchased services ...) are the
        # "Orders" group of the buyer center's menu.
        register(
            NavEntry(
                "buyer",
                _("Service supervision"),
                "supervision:list",
                order=120,
                group=_("Orders"),
            )
        )


def _delivers(user) -> bool:
    """A nav `visible` test: an onboarded seller (also while exiting: cases still run)."""
    seller = getattr(user, "seller", None) if user.is_authenticated else None
    return seller is not None and seller.status in ("active", "exit_pending")

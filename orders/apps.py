from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _is_order_seller(user) -> bool:
    """A nav `visible` test: an onboarded seller (also while exiting: orders still run)."""
    if not user.is_authenticated:
        return False
    seller = getattr(user, "seller", None)
    return seller is not None and seller.status in ("active", "exit_pending")


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from marketplace.core.navigation import NavEntry, register

        # Lists and agreements (orders.views.lists, orders.seller_views.orders).
        orders_group = _("Orders")
        register(NavEntry("buyer", _("My orders"), "orders:list", order=100, group=orders_group))
        register(
            NavEntry(
                "buyer", _("My agreements"), "orders:agreement_list", order=140, group=orders_group
            )
        )
        sales = _("Sales management")
        for order, label, url_name in (
            (200, _("Orders"), "seller:order_list"),
            (240, _("My agreements"), "seller:agreement_list"),
        ):
            register(
                NavEntry(
                    "seller", label, url_name, order=order, visible=_is_order_seller, group=sales
                )
            )
        # Purchased services (orders.views.services).
        register(
            NavEntry(
                "buyer", _("Purchased services"), "orders:services", order=110, group=orders_group
            )
        )
        register(
            NavEntry(
                "seller",
                _("Unsubscription requests"),
                "seller:unsubscriptions",
                order=220,
                visible=_is_order_seller,
                group=sales,
            )
        )
        # Application tools › Interface debugging (orders.seller_views.console); the group
        # is the one of the credentials pages (access keys, production interfaces).
        register(
            NavEntry(
                "seller",
                _("Interface debugging"),
                "seller:interface_console",
                order=430,
                visible=_is_order_seller,
                group=_("Application tools"),
            )
        )
        # Production interface messages (orders.seller_views.interface_messages).
        register(
            NavEntry(
                "seller",
                _("Production interface messages"),
                "seller:interface_messages",
                order=440,
                visible=_is_order_seller,
                group=_("Application tools"),
            )
        )
        # Seller vouchers and private offers (buyers.navigation_vouchers).
        from buyers.navigation_vouchers import register_entries as register_voucher_entries

        register_voucher_entries()

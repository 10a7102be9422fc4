"""Center menu entries of the voucher and private-offer pages; `register_entries()` is
called from orders/apps.py ready() (the offer pages live in orders)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _is_active_seller(user) -> bool:
    seller = getattr(user, "seller", None) if user.is_authenticated else None
    return seller is not None and seller.status == "active"


def register_entries() -> None:
    from marketplace.core.navigation import NavEntry, register

    sales = _("Sales management")
    register(
        NavEntry(
            "seller",
            _("Vouchers"),
            "seller:voucher_list",
            order=210,
            visible=_is_active_seller,
            group=sales,
        )
    )
    register(
        NavEntry(
            "seller",
            _("Private offers"),
            "seller:private_offer_list",
            order=220,
            visible=_is_active_seller,
            group=sales,
        )
    )
    register(NavEntry("buyer", _("My vouchers"), "buyer:my_vouchers", order=590, group=_("Costs")))

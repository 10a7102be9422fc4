from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _status_in(*statuses: str):
    """A nav `visible` test: the signed-in account is a seller in one of `statuses`.

    `user.seller` is cached on the user, so all entries together cost one query.
    """

    def visible(user) -> bool:
        if not user.is_authenticated:
            return False
        seller = getattr(user, "seller", None)
        return seller is not None and seller.status in statuses

    return visible


def _may_apply(user) -> bool:
    """No seller row yet, or a rejected application to correct."""
    if not user.is_authenticated:
        return False
    seller = getattr(user, "seller", None)
    return seller is None or seller.status == "rejected"


class SellersConfig(AppConfig):
    name = "sellers"
    verbose_name = _("Sellers")

    def ready(self) -> None:
        from marketplace.core.navigation import NavEntry, register

        from .models import Seller

        status = Seller.Status
        onboarding, store, account = _("Onboarding"), _("Store"), _("Account")
        entries = [
            NavEntry("seller", _("Overview"), "seller:dashboard", order=0),
            NavEntry(
                "seller",
                _("Onboarding application"),
                "seller:apply",
                order=10,
                group=onboarding,
                visible=_may_apply,
            ),
            NavEntry(
                "seller",
                _("Business information"),
                "seller:business_info",
                order=15,
                group=onboarding,
                visible=_status_in(status.APPROVED, status.ACTIVE, status.EXIT_PENDING),
            ),
            NavEntry(
                "seller",
                _("Store page"),
                "seller:store_page",
                order=300,
                group=store,
                visible=_status_in(status.ACTIVE),
            ),
            NavEntry(
                "seller",
                _("Customer-service groups"),
                "seller:service_group_list",
                order=310,
                group=store,
                visible=_status_in(status.ACTIVE),
            ),
            NavEntry(
                "seller",
                _("Joint-operation certification"),
                "seller:joint_certification",
                order=320,
                group=store,
                visible=_status_in(status.ACTIVE),
            ),
            NavEntry(
                "seller",
                _("Exit the marketplace"),
                "seller:exit",
                order=900,
                group=account,
                visible=_status_in(status.ACTIVE, status.EXIT_PENDING),
            ),
        ]
        # Application tools 应用工具 (issue 9): the pages are orders.seller_views.credentials.
        tools = _("Application tools")
        for order, label, url_name in (
            (400, _("Access keys"), "seller:access_key_list"),
            (410, _("Production interface"), "seller:interface_list"),
            (430, _("Test accounts"), "seller:test_account_list"),
        ):
            entries.append(
                NavEntry(
                    "seller",
                    label,
                    url_name,
                    order=order,
                    group=tools,
                    visible=_status_in(status.ACTIVE, status.EXIT_PENDING),
                )
            )
        for entry in entries:
            register(entry)

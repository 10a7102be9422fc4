from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The session key telling the top bar to show "Partner center" (set at log-in, so the
# pages don't look the partner up on every request).
PARTNER_SESSION_KEY = "partner_center"


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = _("Settlement")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from marketplace.core.navigation import NavEntry, register

        # Seller center › Settlement (settlement.seller_views).
        register(
            NavEntry(
                "seller",
                _("Bills"),
                "seller:settlement_bill_list",
                order=600,
                visible=_onboarded,
                group=_("Settlement"),
            )
        )
        register(
            NavEntry(
                "seller",
                _("Fee ratios"),
                "seller:settlement_fee_ratios",
                order=610,
                visible=_onboarded,
                group=_("Settlement"),
            )
        )
        user_logged_in.connect(_remember_partner, dispatch_uid="settlement_partner_center")


def _onboarded(user) -> bool:
    """A nav `visible` test: an onboarded seller (also while exiting: bills still come)."""
    seller = getattr(user, "seller", None) if user.is_authenticated else None
    return seller is not None and seller.status in ("active", "exit_pending")


def _remember_partner(sender, request, user, **kwargs) -> None:
    from .selectors import partner_for_user

    if request is not None and hasattr(request, "session"):
        request.session[PARTNER_SESSION_KEY] = partner_for_user(user) is not None

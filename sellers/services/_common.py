"""Helpers shared by the sellers services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.accounts.models import EnterpriseVerification, User
from marketplace.core import limits
from marketplace.core.exceptions import DomainError

from ..models import Seller

MAX_STORE_IMAGES = 5

Status = Seller.Status


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _bounded(field: str, value: str, maximum: int) -> str:
    """`value` if it has at most `maximum` characters (core/limits.py), else a refusal
    naming `field`: text columns have no limit of their own."""
    errors: dict[str, list] = {}
    limits.check_length(errors, field, value, maximum)
    if errors:
        raise ValidationError(errors)
    return value


def _required(**fields: str) -> None:
    """Raise one ValidationError naming every empty field."""
    missing = {name: _("This field is required.") for name, value in fields.items() if not value}
    if missing:
        raise ValidationError(missing)


def _lock_seller(seller: Seller) -> Seller:
    return Seller.objects.select_for_update().get(pk=seller.pk)


def _verification_of(user: User) -> EnterpriseVerification:
    """The account's enterprise verification, or a refusal explaining step 1."""
    verification = None
    if user.real_name_status == User.RealName.ENTERPRISE:
        verification = EnterpriseVerification.objects.filter(user=user).first()
    if verification is None:
        raise DomainError(
            _(
                "Only an enterprise may sell: complete the enterprise real-name verification "
                "of this account first."
            )
        )
    return verification

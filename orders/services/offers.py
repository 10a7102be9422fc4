"""Private offers 专属优惠 (03-orders › Vouchers and private offers at checkout): a seller's
discount for one buyer on one product for a period, created and revoked in the seller
center. Checkout asks `private_offer_for` and `offer_discount`.

One offer at a time: a seller can't create an offer whose validity overlaps another
unrevoked offer for the same buyer and product, so "the" offer of a moment is well
defined (and the partner rule of 01 › Customer service partners can ask for it).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.catalog.models import Product
from marketplace.catalog.services.specs import MAX_PRICE
from marketplace.core.audit import log_transition
from marketplace.core.exceptions import DomainError
from marketplace.core.money import to_money
from orders.models import PrivateOffer
from sellers.models import Seller

ZERO = Decimal("0.00")
MAX_OFFER_AMOUNT = MAX_PRICE
MAX_OFFER_VALIDITY_DAYS = 3 * 366


def private_offer_for(*, buyer, product: Product, at: datetime | None = None):
    """The buyer's offer on `product` valid now (or `at`) and not revoked, or None."""
    if buyer is None or not getattr(buyer, "pk", None):
        return None
    at = at or timezone.now()
    return (
        PrivateOffer.objects.filter(
            buyer=buyer,
            product=product,
            revoked_at__isnull=True,
            valid_from__lte=at,
            valid_until__gt=at,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def offer_discount(*, offer: PrivateOffer | None, list_amount: Decimal) -> Decimal:
    """What `offer` takes off `list_amount`: a percentage (rounded half up to the cent) or
    a fixed amount, never more than the list amount and never negative."""
    list_amount = to_money(list_amount)
    if offer is None or list_amount <= 0:
        return ZERO
    if offer.kind == PrivateOffer.Kind.PERCENT:
        discount = to_money(list_amount * Decimal(offer.value) / Decimal(100))
    else:
        discount = to_money(offer.value)
    return max(ZERO, min(discount, list_amount))


@transaction.atomic
def private_offer_create(
    *,
    seller: Seller,
    account_name: str,
    account_id: str,
    product_id: int,
    kind: str,
    value: Decimal,
    valid_from: datetime,
    valid_until: datetime,
    actor=None,
) -> PrivateOffer:
    """Give one buyer (account name *and* account ID must match one account) a discount on
    one of the seller's listed products. Raises ValidationError by field, DomainError."""
    if seller.status != Seller.Status.ACTIVE:
        raise DomainError(_("Only an onboarded seller can create private offers."))
    errors: dict[str, list] = {}
    buyer = User.objects.filter(
        username=(account_name or "").strip(), account_id=(account_id or "").strip()
    ).first()
    if buyer is None:
        errors.setdefault("account_id", []).append(
            _(
                "No account has this account name and account ID. Check both with the "
                "buyer (buyer center › credentials)."
            )
        )
    elif buyer.pk == seller.user_id:
        errors.setdefault("account_id", []).append(
            _("You can't make an offer to your own account.")
        )
    product = Product.objects.filter(
        pk=product_id, seller=seller, status=Product.Status.LISTED
    ).first()
    if product is None:
        errors.setdefault("product", []).append(_("Choose one of your listed products."))
    value = to_money(value) if value is not None else None
    if kind not in PrivateOffer.Kind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of discount."))
    elif value is None:
        errors.setdefault("value", []).append(_("Enter the discount."))
    elif kind == PrivateOffer.Kind.PERCENT and (
        value != value.to_integral_value() or not 1 <= value <= 99
    ):
        errors.setdefault("value", []).append(_("A percentage off is a whole number from 1 to 99."))
    elif kind == PrivateOffer.Kind.AMOUNT and not 0 < value <= MAX_OFFER_AMOUNT:
        errors.setdefault("value", []).append(
            _("An amount off is more than zero and at most ¥%(max)s.")
            % {"max": f"{MAX_OFFER_AMOUNT:,.0f}"}
        )
    if valid_from is None or valid_until is None:
        errors.setdefault("valid_until", []).append(_("Enter the validity."))
    elif valid_until <= valid_from:
        errors.setdefault("valid_until", []).append(
            _("The end of the validity must be after its start.")
        )
    elif valid_until <= timezone.now():
        errors.setdefault("valid_until", []).append(_("The validity must end in the future."))
    elif (valid_until - valid_from).days > MAX_OFFER_VALIDITY_DAYS:
        errors.setdefault("valid_until", []).append(
            _("An offer is valid for at most %(days)s days.") % {"days": MAX_OFFER_VALIDITY_DAYS}
        )
    if errors:
        raise ValidationError(errors)
    # Lock the product row so that two concurrent creations can't both pass the overlap test.
    Product.objects.select_for_update().filter(pk=product.pk).first()
    overlapping = PrivateOffer.objects.filter(
        product=product,
        buyer=buyer,
        revoked_at__isnull=True,
        valid_from__lt=valid_until,
        valid_until__gt=valid_from,
    ).exists()
    if overlapping:
        raise DomainError(
            _(
                "This customer already has an offer for this product in that period. "
                "Revoke it first, or choose another period."
            )
        )
    offer = PrivateOffer.objects.create(
        seller=seller,
        product=product,
        buyer=buyer,
        kind=kind,
        value=value,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    log_transition(offer, action="private_offer_create", actor=actor)
    return offer


@transaction.atomic
def private_offer_revoke(*, offer: PrivateOffer, seller: Seller, actor=None) -> PrivateOffer:
    """Revoke the seller's own offer; orders placed with it keep their price."""
    offer = PrivateOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.seller_id != seller.pk:
        raise DomainError(_("This offer is not yours."))
    if offer.revoked_at is not None:
        raise DomainError(_("This offer has already been revoked."))
    offer.revoked_at = timezone.now()
    offer.save(update_fields=["revoked_at"])
    log_transition(offer, action="private_offer_revoke", actor=actor)
    return offer

"""Seller vouchers 代金券 (01-sellers › Vouchers; 03-orders › Vouchers at checkout).

A seller creates a voucher (an amount off, a validity, the products it applies to: none
chosen means all of the seller's products) and issues it to customers by file
(`voucher_issue`, all-or-nothing). At checkout `voucher_discount` validates the buyer's
chosen grants and returns the discount; paying the order spends them with
`voucher_grants_use` (one conditional UPDATE, so a grant is never spent twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from buyers.models import Voucher, VoucherGrant
from marketplace.catalog.models import Product
from marketplace.catalog.services.specs import MAX_PRICE
from marketplace.core import limits
from marketplace.core.audit import log_transition
from marketplace.core.exceptions import DomainError
from marketplace.core.money import to_money
from sellers.models import Seller

ZERO = Decimal("0.00")
# A voucher is worth at most what one product may cost (the catalog's price ceiling).
MAX_VOUCHER_AMOUNT = MAX_PRICE
MAX_VOUCHER_VALIDITY_DAYS = 3 * 366
MAX_VOUCHER_NAME_LENGTH = 100  # Voucher.name
MAX_GRANTS_PER_FILE = 5_000  # rows of one "specify customers" file


# --- checkout ---------------------------------------------------------------------------


def _applies_to(product: Product) -> Q:
    """The voucher (reached as `voucher__`) applies to `product`: same seller, and either no
    products chosen or `product` among them."""
    through = Voucher.products.through
    return Q(voucher__seller_id=product.seller_id) & (
        ~Exists(through.objects.filter(voucher_id=OuterRef("voucher_id")))
        | Exists(through.objects.filter(voucher_id=OuterRef("voucher_id"), product_id=product.pk))
    )


def voucher_grants_usable(*, buyer, product: Product, at: datetime | None = None) -> QuerySet:
    """The buyer's available grants that apply to `product` now (or `at`), soonest expiry
    first. The minimum order amount is checked by `voucher_discount`, which knows it."""
    if buyer is None or not getattr(buyer, "pk", None):
        return VoucherGrant.objects.none()
    at = at or timezone.now()
    return (
        VoucherGrant.objects.filter(
            _applies_to(product),
            buyer=buyer,
            status=VoucherGrant.Status.AVAILABLE,
            voucher__valid_from__lte=at,
            voucher__valid_until__gt=at,
        )
        .select_related("voucher", "voucher__seller")
        .order_by("voucher__valid_until", "pk")
    )


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def voucher_discount(
    *, buyer, product: Product, grant_ids: Sequence[int], amount: Decimal
) -> Decimal:
    """Check the chosen grants against this order and return their discount.

    Each grant must be the buyer's, available, within its voucher's validity, of the
    product's seller, apply to the product, and the order `amount` must reach the
    voucher's minimum. The discount is the sum of the vouchers, capped at `amount` so the
    amount to pay never goes below zero (03 › Vouchers at checkout). Raises DomainError.
    """
    ids = [int(pk) for pk in grant_ids]
    if not ids:
        return ZERO
    if len(set(ids)) != len(ids):
        raise DomainError(_("The same voucher was chosen twice."))
    amount = to_money(amount)
    grants = {
        grant.pk: grant
        for grant in VoucherGrant.objects.filter(pk__in=ids, buyer=buyer)
        .select_related("voucher", "voucher__seller")
        .prefetch_related("voucher__products")
    }
    now = timezone.now()
    total = ZERO
    for pk in ids:
        grant = grants.get(pk)
        if grant is None:
            # Someone else's grant or none at all: the same answer, nothing revealed.
            raise DomainError(_("This voucher is not one of yours."))
        voucher = grant.voucher
        if grant.status != VoucherGrant.Status.AVAILABLE:
            raise DomainError(
                _("The voucher “%(name)s” has already been used.") % {"name": voucher.name}
            )
        if now < voucher.valid_from:
            raise DomainError(
                _("The voucher “%(name)s” can be used from %(date)s.")
                % {"name": voucher.name, "date": _when(voucher.valid_from)}
            )
        if now >= voucher.valid_until:
            raise DomainError(
                _("The voucher “%(name)s” expired on %(date)s.")
                % {"name": voucher.name, "date": _when(voucher.valid_until)}
            )
        if voucher.seller_id != product.seller_id:
            raise DomainError(
                _("The voucher “%(name)s” is only for products of %(seller)s.")
                % {"name": voucher.name, "seller": voucher.seller}
            )
        products = {p.pk for p in voucher.products.all()}
        if products and product.pk not in products:
            raise DomainError(
                _("The voucher “%(name)s” does not apply to this product.") % {"name": voucher.name}
            )
        if amount < voucher.min_order_amount:
            raise DomainError(
                _("The voucher “%(name)s” applies to orders of at least ¥%(minimum)s.")
                % {"name": voucher.name, "minimum": voucher.min_order_amount}
            )
        total += voucher.amount
    return to_money(max(ZERO, min(total, amount)))


@transaction.atomic
def voucher_grants_use(*, buyer, grant_ids: Sequence[int], order_number: str) -> None:
    """Spend the grants for `order_number`: AVAILABLE → USED in one conditional UPDATE.

    Runs inside the caller's (payment) transaction. If any grant was not the buyer's
    available one (e.g. spent by a concurrent payment), nothing is spent and DomainError
    is raised: the savepoint of this function rolls the partial UPDATE back.
    """
    ids = {int(pk) for pk in grant_ids}
    if not ids:
        return
    spent = VoucherGrant.objects.filter(
        pk__in=ids, buyer=buyer, status=VoucherGrant.Status.AVAILABLE
    ).update(status=VoucherGrant.Status.USED, used_at=timezone.now(), order_number=order_number)
    if spent != len(ids):
        raise DomainError(_("A chosen voucher is no longer available. Choose again."))


# --- the seller's vouchers ------------------------------------------------------------------


def _seller_products(seller: Seller, product_ids: Iterable[int]) -> list[Product]:
    ids = {int(pk) for pk in product_ids}
    products = list(Product.objects.filter(pk__in=ids, seller=seller, status=Product.Status.LISTED))
    if len(products) != len(ids):
        raise ValidationError(
            {"product_ids": _("Choose among your own listed products.")}, code="bad_product"
        )
    return products


@transaction.atomic
def voucher_create(
    *,
    seller: Seller,
    name: str,
    amount: Decimal,
    min_order_amount: Decimal,
    valid_from: datetime,
    valid_until: datetime,
    product_ids: Sequence[int] = (),
    actor=None,
) -> Voucher:
    """Create a voucher of `seller` for its listed products (none chosen: all of them).

    Raises ValidationError by field: amount within (0, MAX_VOUCHER_AMOUNT], minimum order
    amount within [0, MAX_VOUCHER_AMOUNT], validity ordered, not over in the past and at
    most MAX_VOUCHER_VALIDITY_DAYS long, products the seller's own listed ones.
    """
    if seller.status != Seller.Status.ACTIVE:
        raise DomainError(_("Only an onboarded seller can create vouchers."))
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Enter a name."))
    limits.check_length(errors, "name", name, MAX_VOUCHER_NAME_LENGTH)
    try:
        limits.validate_single_line(name)
    except ValidationError as exc:
        errors.setdefault("name", []).extend(exc.messages)
    amount = to_money(amount)
    min_order_amount = to_money(min_order_amount or 0)
    maximum = {"max": f"{MAX_VOUCHER_AMOUNT:,.0f}"}
    if amount <= 0:
        errors.setdefault("amount", []).append(_("The amount must be more than zero."))
    elif amount > MAX_VOUCHER_AMOUNT:
        errors.setdefault("amount", []).append(_("At most ¥%(max)s.") % maximum)
    if min_order_amount < 0:
        errors.setdefault("min_order_amount", []).append(_("The minimum can't be negative."))
    elif min_order_amount > MAX_VOUCHER_AMOUNT:
        errors.setdefault("min_order_amount", []).append(_("At most ¥%(max)s.") % maximum)
    if valid_from is None or valid_until is None:
        errors.setdefault("valid_until", []).append(_("Enter the validity."))
    elif valid_until <= valid_from:
        errors.setdefault("valid_until", []).append(
            _("The end of the validity must be after its start.")
        )
    elif valid_until <= timezone.now():
        errors.setdefault("valid_until", []).append(_("The validity must end in the future."))
    elif (valid_until - valid_from).days > MAX_VOUCHER_VALIDITY_DAYS:
        errors.setdefault("valid_until", []).append(
            _("A voucher is valid for at most %(days)s days.") % {"days": MAX_VOUCHER_VALIDITY_DAYS}
        )
    try:
        products = _seller_products(seller, product_ids or ())
    except ValidationError as exc:
        errors.setdefault("product_ids", []).extend(exc.messages)
        products = []
    if errors:
        raise ValidationError(errors)
    voucher = Voucher.objects.create(
        seller=seller,
        name=name,
        amount=amount,
        min_order_amount=min_order_amount,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    voucher.products.set(products)
    log_transition(voucher, action="voucher_create", actor=actor)
    return voucher


@transaction.atomic
def voucher_issue(*, voucher: Voucher, buyer_ids: Sequence[int], actor=None) -> int:
    """Issue `voucher` to every account of `buyer_ids`, all or nothing; return how many.

    The ids come from a file checked at upload (`buyers.voucher_files.check_rows`); they
    are checked again here under the voucher's row lock, because the confirmation may come
    minutes later: the voucher must still be valid, and no account may hold it already.
    """
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if voucher.valid_until <= timezone.now():
        raise DomainError(_("This voucher has expired and can't be issued any more."))
    user_ids = [int(pk) for pk in buyer_ids]
    if not user_ids:
        raise DomainError(_("The file lists no customers."))
    if len(user_ids) > MAX_GRANTS_PER_FILE:
        raise DomainError(
            _("A file may list at most %(max)s customers.") % {"max": f"{MAX_GRANTS_PER_FILE:,}"}
        )
    if len(set(user_ids)) != len(user_ids):
        raise DomainError(_("The file lists a customer twice."))
    if voucher.seller.user_id in user_ids:
        raise DomainError(_("You can't issue a voucher to your own account."))
    holders = set(
        VoucherGrant.objects.filter(voucher=voucher, buyer_id__in=user_ids).values_list(
            "buyer_id", flat=True
        )
    )
    if holders:
        raise DomainError(
            _("%(count)s of these customers already hold this voucher. Upload the file again.")
            % {"count": len(holders)}
        )
    try:
        with transaction.atomic():
            VoucherGrant.objects.bulk_create(
                [VoucherGrant(voucher=voucher, buyer_id=uid) for uid in user_ids],
                batch_size=500,
            )
    except IntegrityError as exc:
        # Another upload issued to one of them in the meantime (unique voucher+buyer).
        raise DomainError(
            _("Some of these customers already hold this voucher. Upload the file again.")
        ) from exc
    log_transition(voucher, action="voucher_issue", actor=actor, reason=str(len(user_ids)))
    return len(user_ids)

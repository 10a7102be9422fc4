"""Who may buy what, and inventory (02-products › Sales configuration).

`can_buy` answers for the order flow (orders don't exist yet: it passes what the buyer
already bought). `stock_take` / `stock_return` move inventory with one conditional
UPDATE each, so that concurrent orders never oversell and no lock is held for long.
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _

from marketplace.core import rawload
from marketplace.core.exceptions import DomainError

from .models import AllowlistEntry, BillingMode, Product, Region, Spec, SpecSales

# Result code of a sold-out spec in ISV-originated flows (02 › Inventory).
SOLD_OUT_CODE = "000106"


class SoldOut(DomainError):
    """Not enough stock for the quantity asked."""

    result_code = SOLD_OUT_CODE

    def __init__(self, message: str = "") -> None:
        super().__init__(message or _("Sold out."))


def _on_list(product: Product, kind: str, buyer) -> bool:
    return AllowlistEntry.objects.filter(product=product, kind=kind, user=buyer).exists()


def _spec_limits(product: Product, spec_code: str) -> SpecSales | None:
    # The product page prefetches every inventory row of the product
    # (selectors.product_get_listed): its checks of all specs then cost no query each.
    prefetched = getattr(product, "_prefetched_objects_cache", {}).get("spec_sales")
    if prefetched is not None:
        return next((row for row in prefetched if row.spec_code == spec_code), None)
    return SpecSales.objects.filter(product=product, spec_code=spec_code).first()


def can_buy(
    *,
    buyer,
    spec: Spec,
    quantity: int = 1,
    already_bought_quantity: int = 0,
    already_ordered: int = 0,
    trial_taken: bool = False,
    region: Region | str | None = None,
) -> tuple[bool, str]:
    """Whether `buyer` may order `quantity` of `spec` now; the reason (translated) if not.

    - `already_bought_quantity` / `already_ordered`: this buyer's earlier orders of this
      spec code of this product, for the purchase limits;
    - `trial_taken`: the buyer already had a trial of this product (one per account);
    - `region`: where the buyer wants it; a product without sales regions sells everywhere.
    """
    product = spec.version.product
    if product.status != Product.Status.LISTED or spec.version_id != product.listed_version_id:
        return False, _("This product is not on sale.")
    if quantity < 1:
        return False, _("Order at least one.")
    if buyer is None or not buyer.is_authenticated:
        return False, _("Log in to buy.")
    if product.allowlist_enabled and not _on_list(product, AllowlistEntry.Kind.SALES, buyer):
        return False, _("This product is sold only to users the seller specified.")
    if spec.billing_mode == BillingMode.TRIAL:
        if trial_taken:
            return False, _("You already had a trial of this product.")
        if product.trial_allowlist_enabled and not _on_list(
            product, AllowlistEntry.Kind.TRIAL, buyer
        ):
            return False, _("The trial is only for users the seller specified.")
    if region is not None:
        # .all(): the product page has the regions prefetched; one query otherwise.
        codes = {r.code for r in product.regions.all()}
        code = region.code if isinstance(region, Region) else region
        if codes and code not in codes:
            return False, _("This product is not sold in your region.")
    limits = _spec_limits(product, spec.code)
    if limits is not None:
        if (
            limits.max_quantity_per_buyer is not None
            and already_bought_quantity + quantity > limits.max_quantity_per_buyer
        ):
            return False, _("You can buy at most %(limit)d of this spec.") % {
                "limit": limits.max_quantity_per_buyer
            }
        if (
            limits.max_orders_per_buyer is not None
            and already_ordered >= limits.max_orders_per_buyer
        ):
            return False, _("You can order this spec at most %(limit)d times.") % {
                "limit": limits.max_orders_per_buyer
            }
        if limits.stock is not None and limits.stock < quantity:
            return False, _("Sold out.")
    return True, ""


def stock_take(*, product: Product, spec_code: str, quantity: int) -> None:
    """Take `quantity` from the spec's stock, or raise `SoldOut`. NULL stock is unlimited.

    One conditional UPDATE (`stock >= quantity`): the database serialises concurrent
    takers on the row, and a taker that finds too little changes nothing.
    """
    if quantity < 1:
        raise DomainError(_("Order at least one."))
    # Prepared statements (a checkout's hottest write; README › Performance: checkout).
    taken = rawload.execute(
        "UPDATE catalog_specsales SET stock = stock - %s "
        "WHERE product_id = %s AND spec_code = %s AND stock >= %s",
        [quantity, product.pk, spec_code, quantity],
        prepare=True,
    )
    if taken:
        return
    limited = rawload.fetch(
        "SELECT 1 FROM catalog_specsales "
        "WHERE product_id = %s AND spec_code = %s AND stock IS NOT NULL",
        [product.pk, spec_code],
        prepare=True,
    )
    if limited:
        raise SoldOut()


def stock_return(*, product: Product, spec_code: str, quantity: int) -> None:
    """Give back stock taken for an order that didn't go through (no-op when unlimited)."""
    if quantity < 1:
        return
    SpecSales.objects.filter(product=product, spec_code=spec_code, stock__isnull=False).update(
        stock=F("stock") + quantity
    )

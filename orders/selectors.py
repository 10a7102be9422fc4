"""Reads of the orders app that pages and the API serve, each scoped by its owner.

Checkout (top): the spec a buyer may order from the product page or the API, the
buyer's own orders for the buyer API and the pay page. The order lists and detail
pages read through `orders.selectors_lists`.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from marketplace.catalog.models import Product, Spec

from .models import Order

# --- checkout -------------------------------------------------------------------------------


def spec_for_checkout(*, product_id: int, spec_code: str) -> Spec | None:
    """The spec `spec_code` of the version on sale of listed product `product_id`, with
    its prices and attributes; None when there is no such spec on sale."""
    return (
        Spec.objects.select_related("version__product__seller")
        .prefetch_related("prices", "attributes__attribute")
        .filter(
            code=spec_code,
            version__product_id=product_id,
            version__product__status=Product.Status.LISTED,
            version__product__listed_version=F("version"),
        )
        .first()
    )


def order_list_for_buyer_api(*, buyer) -> QuerySet[Order]:
    """The buyer's orders, newest first, with what the API shows of each."""
    return Order.objects.filter(buyer=buyer).select_related("region")


def order_get_own(*, buyer, number: str) -> Order | None:
    """One of the buyer's orders by number (None for anyone else's: a 404 to them)."""
    return (
        Order.objects.filter(buyer_id=getattr(buyer, "pk", None), number=number)
        .select_related("product", "region", "signed_agreement")
        .prefetch_related("voucher_grants__voucher")
        .first()
    )

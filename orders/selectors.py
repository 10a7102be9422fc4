"""Reads of the orders app that pages and the API serve, each scoped by its owner.

Checkout (top): the spec a buyer may order from the product page or the API, the
buyer's own orders for the buyer API and the pay page. The order lists and detail
pages read through `orders.selectors_lists`.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from marketplace.catalog.models import Price, Product, ProductVersion, Spec, SpecAttribute
from sellers.models import TestAccount

from .models import Order

# --- checkout -------------------------------------------------------------------------------

# Versions a seller's test account may buy besides the one on sale (test orders,
# `orders.services.checkout` docstring): not drafts, rejected or superseded versions.
TEST_VERSION_STATUSES = (ProductVersion.Status.PENDING_REVIEW, ProductVersion.Status.APPROVED)


def _checkout_specs():
    return Spec.objects.select_related("version__product__seller")


# Spec id → (prices, attributes with their names). A spec's prices and attributes never
# change once its version has left the draft (catalog.services.specs edits drafts only,
# and replaces their specs with new rows, new ids), and only such versions are sold: so
# the rows are read once per process and spec, not on every checkout. Bounded; tests
# clear it between tests (SQLite hands a rolled-back id out again).
_SPEC_ROWS: dict[int, tuple[list[Price], list[SpecAttribute]]] = {}
_SPEC_ROWS_MAX = 4096


def clear_spec_rows() -> None:
    _SPEC_ROWS.clear()


def _with_rows(spec: Spec | None) -> Spec | None:
    """`spec` with its prices and attributes attached as if prefetched."""
    if spec is None:
        return None
    rows = _SPEC_ROWS.get(spec.pk)
    if rows is None:
        rows = (
            list(spec.prices.all()),
            list(spec.attributes.select_related("attribute")),
        )
        if len(_SPEC_ROWS) >= _SPEC_ROWS_MAX:
            _SPEC_ROWS.clear()
        _SPEC_ROWS[spec.pk] = rows
    cache = getattr(spec, "_prefetched_objects_cache", None)
    if cache is None:
        cache = spec._prefetched_objects_cache = {}
    for name, found in zip(("prices", "attributes"), rows, strict=True):
        rows_qs = getattr(spec, name).all()
        rows_qs._result_cache = list(found)  # a copy: a caller may reorder its list
        rows_qs._prefetch_done = True
        cache[name] = rows_qs
    return spec


def spec_for_checkout(*, product_id: int, spec_code: str, buyer=None) -> Spec | None:
    """The spec `spec_code` of the version on sale of listed product `product_id`, with
    its prices and attributes; None when there is no such spec on sale.

    With `buyer` a test account of the product's seller, and the product not on sale:
    the spec of the product's latest version that is pending review or approved and
    has specs (test orders, `orders.services.checkout` docstring). That lookup is only
    tried when there is no spec on sale, so real buyers pay no query for it.
    """
    spec = (
        _checkout_specs()
        .filter(
            code=spec_code,
            version__product_id=product_id,
            version__product__status=Product.Status.LISTED,
            version__product__listed_version=F("version"),
        )
        .first()
    )
    if spec is not None or buyer is None or not buyer.is_authenticated:
        return _with_rows(spec)
    seller_id = TestAccount.objects.filter(user_id=buyer.pk).values_list("seller_id", flat=True)
    version = (
        ProductVersion.objects.filter(
            product_id=product_id,
            product__seller_id__in=seller_id,
            status__in=TEST_VERSION_STATUSES,
            specs__isnull=False,
        )
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )
    if version is None:
        return None
    return _with_rows(_checkout_specs().filter(version_id=version, code=spec_code).first())


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

"""Reads of the orders app that pages and the API serve, each scoped by its owner.

Checkout (top): the spec a buyer may order from the product page or the API, the
buyer's own orders for the buyer API and the pay page. The order lists and detail
pages read through `orders.selectors_lists`.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.db.models import Prefetch, QuerySet

from marketplace.catalog.models import (
    AttributeName,
    Price,
    Product,
    ProductVersion,
    Spec,
    SpecAttribute,
)
from marketplace.core import limits, rawload
from sellers.models import Seller, TestAccount

from .models import Order

# --- checkout -------------------------------------------------------------------------------

# Versions a seller's test account may buy besides the one on sale (test orders,
# `orders.services.checkout` docstring): not drafts, rejected or superseded versions.
TEST_VERSION_STATUSES = (ProductVersion.Status.PENDING_REVIEW, ProductVersion.Status.APPROVED)


def _checkout_specs():
    return Spec.objects.select_related("version__product__seller").prefetch_related(
        "prices", Prefetch("attributes", queryset=SpecAttribute.objects.select_related("attribute"))
    )


def spec_for_checkout(*, product_id: int, spec_code: str, buyer=None) -> Spec | None:
    """The spec `spec_code` of the version on sale of listed product `product_id`, with
    its version, product and seller, its prices and its attributes (with their names);
    None when there is no such spec on sale.

    With `buyer` a test account of the product's seller, and the product not on sale:
    the spec of the product's latest version that is pending review or approved and
    has specs (test orders, `orders.services.checkout` docstring). That lookup is only
    tried when there is no spec on sale, so real buyers pay no query for it.
    """
    spec = _spec_on_sale(product_id=product_id, spec_code=spec_code)
    if spec is not None or buyer is None or not buyer.is_authenticated:
        return spec
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
    return _checkout_specs().filter(version_id=version, code=spec_code).first()


def _spec_on_sale(*, product_id: int, spec_code: str) -> Spec | None:
    """The spec on sale, as `_checkout_specs().filter(code=…, version__product_id=…,
    version__product__status=LISTED, version__product__listed_version=F("version"))
    .first()` gives it, in one prepared statement (core.rawload): every checkout reads
    it, and the ORM took a millisecond of Python to build what the database answers in
    a fraction of that (README › Performance)."""
    product_id = Product._meta.pk.get_prep_value(product_id)  # as the ORM's lookup does
    if not -limits.MAX_ID - 1 <= product_id <= limits.MAX_ID:
        return None  # no such row (the ORM's lookup says so without asking the database)
    rows = rawload.fetch(
        _spec_sql(connection.vendor),
        [str(spec_code), product_id, str(Product.Status.LISTED)],
        prepare=True,
    )
    if not rows:
        return None
    instances, (prices, attributes) = rawload.build_joined(
        rows[0], (columns for _, columns in _SPEC_JOIN)
    )
    built = dict(zip((name for name, _ in _SPEC_JOIN), instances, strict=True))
    spec, version, product = built["spec"], built["version"], built["product"]
    rawload.related(spec, "version", version)
    rawload.related(version, "product", product)
    rawload.related(product, "seller", built["seller"])
    # Price and SpecAttribute have no Meta.ordering: by id, the order of their rows
    prices = sorted(_SPEC_PRICE.build_all(rawload.from_json(prices)), key=lambda p: p.pk)
    for price in prices:
        rawload.related(price, "spec", spec)
    rawload.prefetched(spec, "prices", prices)
    spec_attributes = []
    for row in sorted(rawload.from_json(attributes)):  # by id: the first column
        attribute = _SPEC_ATTRIBUTE.build(row)
        rawload.related(attribute, "spec", spec)
        rawload.related(
            attribute, "attribute", _SPEC_ATTRIBUTE_NAME.build(row, len(_SPEC_ATTRIBUTE))
        )
        spec_attributes.append(attribute)
    rawload.prefetched(spec, "attributes", spec_attributes)
    return spec


_SPEC_JOIN = [  # the query's tables, in the order of its columns
    ("spec", rawload.Columns(Spec, "sp")),
    ("version", rawload.Columns(ProductVersion, "v")),
    ("product", rawload.Columns(Product, "p")),
    ("seller", rawload.Columns(Seller, "s")),
]
_SPEC_PRICE = rawload.Columns(Price, "pr")
_SPEC_ATTRIBUTE = rawload.Columns(SpecAttribute, "sa")
_SPEC_ATTRIBUTE_NAME = rawload.Columns(AttributeName, "an")
assert _SPEC_ATTRIBUTE.fields[0] is SpecAttribute._meta.pk  # sorted by the first column


@cache
def _spec_sql(vendor: str) -> str:
    """The spec on sale joined with its version, product and seller, its prices and its
    attributes (with their names) as JSON columns (in the `vendor`'s JSON functions)."""
    return rawload.select(
        *(columns for _, columns in _SPEC_JOIN),
        rawload.json_rows(_SPEC_PRICE, tail="FROM catalog_price pr WHERE pr.spec_id = sp.id"),
        rawload.json_rows(
            _SPEC_ATTRIBUTE,
            _SPEC_ATTRIBUTE_NAME,
            tail="FROM catalog_specattribute sa JOIN catalog_attributename an "
            "ON an.id = sa.attribute_id WHERE sa.spec_id = sp.id",
        ),
        tail="FROM catalog_spec sp "
        "JOIN catalog_productversion v ON v.id = sp.version_id "
        "JOIN catalog_product p ON p.id = v.product_id "
        "JOIN sellers_seller s ON s.id = p.seller_id "
        "WHERE sp.code = %s AND p.id = %s AND p.status = %s "
        "AND p.listed_version_id = sp.version_id "
        "ORDER BY sp.position, sp.id LIMIT 1",  # Spec's Meta.ordering, as .first()
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

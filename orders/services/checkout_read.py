"""What a checkout reads about its product and buyer, in one statement.

A checkout's checks need the product as it is now (listing, sales settings), its
regions, the spec's sales row (stock, purchase limits), the buyer's private offer on the
product and, when placing, the order the buyer's idempotency key already made. Asked of
the ORM, that was five queries whose building cost several times what the database
takes to answer them (README › Performance: checkout); here it is one statement,
prepared on PostgreSQL (`marketplace.core.rawload`), rebuilt into ordinary model
instances. Quoting and placing read through it alike. A test holds it to the ORM's
answer (tests/orders/test_checkout_read.py).

Placing reads it after locking the buyer's row (`checkout._place`): on PostgreSQL a
statement sees what was committed when it started, so a read joined to the lock in one
statement would miss the order a concurrent request of the same buyer just committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import connection

from marketplace.catalog.models import Product, Region, SpecSales
from marketplace.core import rawload
from orders.models import Order, PrivateOffer


@dataclass(frozen=True)
class CheckoutRead:
    product: Product  # with its regions prefetched
    sales: SpecSales | None
    offer: PrivateOffer | None  # valid at the time asked, not revoked, newest first
    existing: Order | None  # the order the idempotency key made (None: no key, or none)


@cache
def _columns():
    return (
        rawload.Columns(Product, "p"),
        rawload.Columns(SpecSales, "s"),
        rawload.Columns(PrivateOffer, "po"),
        rawload.Columns(Order, "o"),
        rawload.Columns(Region, "r"),
    )


@cache
def _sql(vendor: str) -> str:
    product, sales, offer, order, region = _columns()
    regions = rawload.json_rows(
        region,
        tail="FROM catalog_region r JOIN catalog_product_regions pr ON pr.region_id = r.id "
        "WHERE pr.product_id = p.id",
    )
    return rawload.select(
        product,
        sales,
        offer,
        order,
        regions,
        tail="FROM catalog_product p "
        "LEFT JOIN catalog_specsales s ON s.product_id = p.id AND s.spec_code = %s "
        "LEFT JOIN orders_privateoffer po ON po.id = ("
        "SELECT x.id FROM orders_privateoffer x "
        "WHERE x.buyer_id = %s AND x.product_id = p.id AND x.revoked_at IS NULL "
        "AND x.valid_from <= %s AND x.valid_until > %s "
        "ORDER BY x.created_at DESC, x.id DESC LIMIT 1) "
        "LEFT JOIN orders_order o "
        "ON o.buyer_id = %s AND o.idempotency_key = %s AND o.idempotency_key <> '' "
        "WHERE p.id = %s",
    )


def checkout_read(
    *, buyer_id: int, product_id: int, spec_code: str, at: datetime, idempotency_key: str = ""
) -> CheckoutRead | None:
    """The product `product_id` (None: no such product) and what a checkout of its spec
    `spec_code` by buyer `buyer_id` at `at` needs besides."""
    product_cols, sales_cols, offer_cols, order_cols, region_cols = _columns()
    when = connection.ops.adapt_datetimefield_value(at)
    rows = rawload.fetch(
        _sql(connection.vendor),
        [spec_code, buyer_id, when, when, buyer_id, idempotency_key, product_id],
        prepare=True,
    )
    if not rows:
        return None
    (product, sales, offer, existing), (region_rows,) = rawload.build_joined(
        rows[0], (product_cols, sales_cols, offer_cols, order_cols)
    )
    regions = sorted(region_cols.build_all(rawload.from_json(region_rows)), key=lambda r: r.code)
    rawload.prefetched(product, "regions", regions)
    if sales is not None:
        rawload.related(sales, "product", product)
    if offer is not None:
        rawload.related(offer, "product", product)
    return CheckoutRead(product=product, sales=sales, offer=offer, existing=existing)

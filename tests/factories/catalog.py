"""Factories for the public catalog: categories, regions, sellers and listed products.

`listed_product(**kw)` builds a Product with an approved ProductVersion, its specs and
prices straight in the database (fast: catalog tests make many), then fills the listing
fields through `services.product_refresh_listing`, exactly as approving does. Tests of
publishing itself use tests/factories/catalog_publishing.py, which goes through review.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import count

import factory
from django.utils import timezone

from marketplace.catalog.models import (
    Category,
    DeliveryType,
    Price,
    Product,
    ProductVersion,
    Region,
    Spec,
)
from marketplace.catalog.services import product_refresh_listing
from sellers.models import Seller
from tests.factories.sellers import ActiveSellerFactory, ServiceGroupFactory

AGREEMENT = (
    "Product service agreement\n"
    "The seller provides the service described on the product page.\n"
    "The buyer pays through the marketplace."
)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    name_zh = factory.Sequence(lambda n: f"类目{n}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cn-region-{n}")
    name_en = factory.Sequence(lambda n: f"Region {n}")
    name_zh = factory.Sequence(lambda n: f"区域{n}")


SellerFactory = ActiveSellerFactory  # onboarded: its products may be listed

# A spec is (name, billing_mode, [(period, amount), ...]).
DEFAULT_SPECS = [
    ("Standard", "period", [("month", "99.00"), ("year", "999.00")]),
    ("Trial", "trial", [("free", "0")]),
]

_listed_clock = count()


def listed_product(
    *,
    name: str = "Cloud Office",
    summary: str = "Documents and spreadsheets online",
    description: str = "A complete office suite.",
    tags: str = "office, docs",
    category: Category | None = None,
    seller: Seller | None = None,
    delivery_type: str = DeliveryType.SAAS,
    specs: list | None = None,
    regions: list[Region] | None = None,
    status: str = Product.Status.LISTED,
    listed_at=None,
    service_group=None,
    agreement_text: str = AGREEMENT,
    support_terms_text: str = "",
    usage_guide: str = "Sign in and create your first document.",
    **version_fields,
) -> Product:
    """A product on sale (or, with `status`, one that was and no longer is)."""
    seller = seller or SellerFactory()
    category = category or CategoryFactory()
    if service_group is None:
        service_group = ServiceGroupFactory(seller=seller)
    now = timezone.now()
    # Each new product a little newer than the previous one, so "newest" is deterministic.
    listed_at = listed_at or now - timedelta(days=1) + timedelta(seconds=next(_listed_clock))
    product = Product.objects.create(seller=seller, delivery_type=delivery_type)
    version = ProductVersion.objects.create(
        product=product,
        number=1,
        status=ProductVersion.Status.APPROVED,
        name=name,
        category=category,
        summary=summary,
        description=description,
        tags=tags,
        service_group=service_group,
        agreement_text=agreement_text,
        support_terms_text=support_terms_text,
        usage_guide=usage_guide,
        submitted_at=now,
        reviewed_at=now,
        **version_fields,
    )
    for position, (spec_name, mode, prices) in enumerate(specs or DEFAULT_SPECS):
        spec = Spec.objects.create(
            version=version,
            code=f"spec-{position}",
            name=spec_name,
            billing_mode=mode,
            trial_days=30 if mode == "trial" else None,
            position=position,
        )
        for period, amount in prices:
            Price.objects.create(spec=spec, period=period, amount=Decimal(amount))
    product.listed_version = version
    product.status = status
    product.listed_at = listed_at
    if status == Product.Status.DELISTED:
        product.delisted_at = now
    product.save()
    product_refresh_listing(product)
    if regions:
        product.regions.set(regions)
    return product


def draft_product(**kw) -> Product:
    """A product that was never approved: no listed version, status draft."""
    seller = kw.pop("seller", None) or SellerFactory()
    product = Product.objects.create(
        seller=seller, delivery_type=kw.pop("delivery_type", DeliveryType.SAAS)
    )
    ProductVersion.objects.create(
        product=product,
        number=1,
        name=kw.pop("name", "Draft product"),
        category=kw.pop("category", None) or CategoryFactory(),
        summary="Not yet reviewed",
        description="",
    )
    return product

"""Factories for publishing tests: active sellers, categories, and products in each state.

`ready_fields()` / `ready_specs()` give complete service input, so that a test changes
just the one thing it is about.
"""

from __future__ import annotations

from decimal import Decimal

import factory

from marketplace.catalog import delivery, services
from marketplace.catalog.agreements import support_terms_template
from marketplace.catalog.models import AttributeName, DeliveryType
from sellers.models import JointCertification, Seller
from tests.factories.accounts import ReviewerFactory
from tests.factories.catalog import CategoryFactory, RegionFactory
from tests.factories.sellers import (
    ActiveSellerFactory,
    JointCertificationFactory,
    ServiceGroupFactory,
)

# The publishing tests' seller: onboarded, so it may publish.
PublishingSellerFactory = ActiveSellerFactory


def approved_joint_certification(seller: Seller, products=()) -> JointCertification:
    """An approved certification of the seller's own entity naming `products`."""
    certification = JointCertificationFactory(
        seller=seller, status=JointCertification.Status.APPROVED
    )
    certification.products.set(products)
    return certification


class AttributeNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttributeName

    seller = factory.SubFactory(ActiveSellerFactory)
    kind = AttributeName.Kind.QUANTITY
    name = factory.Sequence(lambda n: f"Users {n}")


GOOD_AGREEMENT = (
    "Product service agreement\n"
    "The seller provides the service described on the product page.\n"
    "The buyer pays through the marketplace."
)


def filled_support_terms(**values) -> str:
    """The platform's terms template with every editable place filled in."""
    import re

    text = support_terms_template()
    defaults = {
        "product_name": "Joint Office",
        "seller_name": "Example Co.",
        "service_hours": "Mon-Fri 9:00-18:00",
        "service_phone": "400-800-8000",
        "service_email": "support@example.com",
    }
    defaults.update(values)
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: defaults.get(m.group(1), "x"), text)
    return re.sub(r"\[\[.*?\]\]", "We answer within one working day.", text, flags=re.DOTALL)


def ready_fields(seller: Seller, *, delivery_type: str = DeliveryType.SAAS, **overrides) -> dict:
    fields = {
        "name": "Cloud Office",
        # Made only when not given: a caller's own category/group leaves no stray rows.
        "category": overrides.get("category") or CategoryFactory(),
        "summary": "Documents and spreadsheets online",
        "description": "A complete office suite.",
        "tags": "office,docs",
        "service_group": overrides.get("service_group") or ServiceGroupFactory(seller=seller),
    }
    if delivery_type in (DeliveryType.JOINT_SAAS,):
        # The terms name the certified company as the seller (issue 6 item 9).
        fields["support_terms_text"] = filled_support_terms(seller_name=seller.company_name)
    else:
        fields["agreement_text"] = GOOD_AGREEMENT
    fields.update(delivery_fields(delivery_type))
    fields.update(overrides)
    return fields


def delivery_fields(delivery_type: str) -> dict:
    """Complete values of what `delivery_type` describes (catalog/delivery.py)."""
    license_fields = {"license_type": "named_user", "license_term": "perpetual"}
    return {
        DeliveryType.MANUAL_SERVICE: {"flow_template": "standard", "avg_delivery_days": 5},
        DeliveryType.IMAGE: {
            "image_os": "Ubuntu 24.04",
            "image_architecture": "x86_64",
            "image_regions": [{"region": RegionFactory(), "image_id": "img-0001"}],
        },
        DeliveryType.HARDWARE: {
            "hardware_spec": "4 cores, 8 GB, 2 × GbE",
            "hardware_weight_kg": Decimal("2.50"),
            "hardware_size": "30 × 20 × 5",
            "shipping_regions": [RegionFactory()],
            "avg_delivery_days": 3,
        },
        DeliveryType.LICENSE_CODE: license_fields,
        DeliveryType.LICENSE_PACKAGE: license_fields,
        DeliveryType.LICENSE_AUTO: {**license_fields, "deploy_contents": "GitLab CE 17 on Docker"},
        DeliveryType.API_APIG: {
            "api_endpoints": [{"method": "POST", "path": "/v1/ocr", "description": "Read text"}],
            "api_quota_unit": "call",
        },
        DeliveryType.API_AGENTS: {
            "api_endpoints": [{"method": "POST", "path": "/v1/chat", "description": "Chat"}],
            "api_quota_unit": "1k tokens",
        },
    }.get(delivery_type, {})


def ready_specs(delivery_type: str = DeliveryType.SAAS) -> list[dict]:
    """Complete specs: a period spec and a trial for SaaS; otherwise one spec in the
    first billing mode the delivery type allows (catalog/delivery.py)."""
    modes = delivery.allowed_modes(delivery_type)
    if "period" not in modes or "trial" not in modes:
        mode = modes[0]
        period, extra = {
            "period": ("month", {}),
            "on_demand": ("unit", {}),
            "one_off": ("once", {}),
            "package": ("package", {"package_kind": "per_call", "package_quota": 1000}),
        }[mode]
        return [
            {
                "code": "basic",
                "name": "Basic",
                "billing_mode": mode,
                **extra,
                "prices": [{"period": period, "amount": Decimal("99.00")}],
            }
        ]
    return [
        {
            "code": "basic",
            "name": "Basic",
            "billing_mode": "period",
            "prices": [
                {"period": "month", "amount": Decimal("99.00"), "max_periods": 12},
                {"period": "year", "amount": Decimal("999.00")},
            ],
        },
        {
            "code": "trial",
            "name": "Trial",
            "billing_mode": "trial",
            "trial_days": 30,
            "prices": [{"period": "free", "amount": Decimal("0")}],
        },
    ]


def draft_product(seller: Seller | None = None, *, delivery_type=DeliveryType.SAAS, **overrides):
    """A complete draft; a joint one comes with an approved certification naming it
    (pass ``certified=False`` for none)."""
    certified = overrides.pop("certified", True)
    seller = seller or PublishingSellerFactory()
    product = services.product_create(
        seller=seller,
        delivery_type=delivery_type,
        fields=ready_fields(seller, delivery_type=delivery_type, **overrides),
        specs=ready_specs(delivery_type),
        actor=seller.user,
    )
    if delivery_type == DeliveryType.JOINT_SAAS and certified:
        approved_joint_certification(seller, products=[product])
    return product


def operator():
    """An operator of the reviewer group: may approve, reject and delist."""
    return ReviewerFactory()


def pending_product(seller=None, **kwargs):
    product = draft_product(seller, **kwargs)
    services.product_submit(product=product, actor=product.seller.user)
    product.refresh_from_db()
    return product


def listed_product(seller=None, **kwargs):
    product = pending_product(seller, **kwargs)
    services.product_approve(version=product.versions.get(), actor=operator())
    product.refresh_from_db()
    return product

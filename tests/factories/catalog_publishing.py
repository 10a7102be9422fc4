"""Factories for publishing tests: active sellers, categories, and products in each state.

`ready_fields()` / `ready_specs()` give complete service input, so that a test changes
just the one thing it is about.
"""

from __future__ import annotations

from decimal import Decimal

import factory

from marketplace.catalog import services
from marketplace.catalog.agreements import support_terms_template
from marketplace.catalog.models import AttributeName, DeliveryType
from sellers.models import JointCertification, Seller
from tests.factories.accounts import UserFactory
from tests.factories.catalog import CategoryFactory
from tests.factories.sellers import (
    ActiveSellerFactory,
    JointCertificationFactory,
    ServiceGroupFactory,
)

# The publishing tests' seller: onboarded, so it may publish.
PublishingSellerFactory = ActiveSellerFactory


def approved_joint_certification(seller: Seller) -> JointCertification:
    return JointCertificationFactory(seller=seller, status=JointCertification.Status.APPROVED)


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
        "category": CategoryFactory(),
        "summary": "Documents and spreadsheets online",
        "description": "A complete office suite.",
        "tags": "office,docs",
        "service_group": ServiceGroupFactory(seller=seller),
    }
    if delivery_type in (DeliveryType.JOINT_SAAS,):
        fields["support_terms_text"] = filled_support_terms()
    else:
        fields["agreement_text"] = GOOD_AGREEMENT
    if delivery_type == DeliveryType.MANUAL_SERVICE:
        fields["flow_template"] = "standard"
        fields["avg_delivery_days"] = 5
    fields.update(overrides)
    return fields


def ready_specs() -> list[dict]:
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
    seller = seller or PublishingSellerFactory()
    if delivery_type == DeliveryType.JOINT_SAAS and not seller.joint_certifications.exists():
        approved_joint_certification(seller)
    return services.product_create(
        seller=seller,
        delivery_type=delivery_type,
        fields=ready_fields(seller, delivery_type=delivery_type, **overrides),
        specs=ready_specs(),
        actor=seller.user,
    )


def operator():
    return UserFactory(is_staff=True)


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

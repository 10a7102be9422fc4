"""Factories for orders and purchased services (issue 8).

- `OrderFactory`: a NEW order pending payment for the first spec ("spec-0", Standard,
  99.00 a month) of a listed SaaS product from `tests.factories.catalog.listed_product`.
  Pass `product=` (and `spec=`) to order something else; the snapshot fields follow.
- `PaidOrderFactory`: the same, paid from the balance, with its active subscription.
- `SubscriptionFactory`: an active subscription that expires in 30 days.
These write rows directly (no wallet movement, no stock taken): tests of checkout itself
go through `orders.services.checkout`.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from orders.models import Order, Subscription
from tests.factories.accounts import UserFactory
from tests.factories.catalog import listed_product


def _first_spec(obj):
    return obj.product.listed_version.specs.order_by("position", "id").first()


def _first_price(spec):
    return spec.prices.order_by("id").first()


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    buyer = factory.SubFactory(UserFactory)
    product = factory.LazyFunction(listed_product)
    seller = factory.LazyAttribute(lambda o: o.product.seller)
    spec = factory.LazyAttribute(_first_spec)
    spec_code = factory.LazyAttribute(lambda o: o.spec.code)
    spec_name = factory.LazyAttribute(lambda o: o.spec.name)
    delivery_type = factory.LazyAttribute(lambda o: o.product.delivery_type)
    billing_mode = factory.LazyAttribute(lambda o: o.spec.billing_mode)
    quantity = 1
    is_trial = factory.LazyAttribute(lambda o: o.spec.billing_mode == "trial")
    status = Subscription.Status.ACTIVE
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    kind = Order.Kind.NEW
    status = Order.Status.PENDING_PAYMENT
    payment_status = Order.PaymentStatus.UNPAID
    buyer = factory.SubFactory(UserFactory)
    product = factory.LazyFunction(listed_product)
    seller = factory.LazyAttribute(lambda o: o.product.seller)
    spec = factory.LazyAttribute(_first_spec)
    product_name = factory.LazyAttribute(lambda o: o.product.name)
    version_number = factory.LazyAttribute(lambda o: o.product.listed_version.number)
    spec_code = factory.LazyAttribute(lambda o: o.spec.code)
    spec_name = factory.LazyAttribute(lambda o: o.spec.name)
    delivery_type = factory.LazyAttribute(lambda o: o.product.delivery_type)
    billing_mode = factory.LazyAttribute(lambda o: o.spec.billing_mode)
    quantity = 1
    period = factory.LazyAttribute(lambda o: p.period if (p := _first_price(o.spec)) else "")
    periods = 1
    unit_price = factory.LazyAttribute(
        lambda o: p.amount if (p := _first_price(o.spec)) else Decimal("0.00")
    )
    list_amount = factory.LazyAttribute(lambda o: o.unit_price * o.quantity * o.periods)
    offer_discount = Decimal("0.00")
    voucher_discount = Decimal("0.00")
    amount = factory.LazyAttribute(
        lambda o: max(Decimal("0.00"), o.list_amount - o.offer_discount - o.voucher_discount)
    )
    pay_by = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))


class PaidOrderFactory(OrderFactory):
    """Paid from the balance, with the active subscription it created."""

    status = Order.Status.PAID
    payment_status = Order.PaymentStatus.PAID
    paid_at = factory.LazyFunction(timezone.now)
    effective_at = factory.LazyAttribute(lambda o: o.paid_at)
    paid_balance = factory.LazyAttribute(lambda o: o.amount)
    subscription = factory.SubFactory(
        SubscriptionFactory,
        buyer=factory.SelfAttribute("..buyer"),
        product=factory.SelfAttribute("..product"),
        spec=factory.SelfAttribute("..spec"),
        quantity=factory.SelfAttribute("..quantity"),
    )

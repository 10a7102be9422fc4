"""Factories for settlement (issue 12).

- `settle_product(seller=..., delivery_type=...)`: a listed product with a one-off spec.
- `billable_order(product=..., amount=..., paid_at=..., ...)`: a paid order written
  straight to the table (no wallet, no subscription) with the fields the billing run
  reads; `kind="renewal"` with `effective_at` after `paid_at` for an early renewal,
  `credit=True` for a credit-line order (paid on credit, or repaid with `repaid_at`).
- `case_for(order, completed_at=None)`: a supervision case of the order, in progress or
  completed at `completed_at` (written directly, no log).
- `FeePolicyFactory`, `PartnerFactory`, `PartnerBindingFactory`, `PartnerTermsFactory`,
  `AccelerationTierFactory`: rows written directly (versions in the past allowed, which
  the services refuse).
- `beijing(y, m, d, h=0, mi=0)`: an aware datetime in Beijing time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from marketplace.catalog.models import DeliveryType, Product
from orders.models import Order
from settlement.models import (
    AccelerationTier,
    FeePolicy,
    Partner,
    PartnerBinding,
    PartnerTerms,
)
from supervision.models import Case, SupervisionStatus
from tests.factories.accounts import UserFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory

BEIJING = ZoneInfo("Asia/Shanghai")
ONE_OFF = [("Service", "one_off", [("once", "1000.00")])]


def beijing(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)


def settle_product(*, seller=None, delivery_type: str = DeliveryType.SAAS) -> Product:
    return listed_product(seller=seller, delivery_type=delivery_type, specs=ONE_OFF)


def billable_order(
    *,
    product: Product,
    amount: str | Decimal = "1000.00",
    paid_at: dt.datetime,
    effective_at: dt.datetime | None = None,
    kind: str = Order.Kind.NEW,
    buyer=None,
    credit: bool = False,
    repaid_at: dt.datetime | None = None,
    coupon: str | Decimal = "0.00",
    quantity: int = 1,
    periods: int = 1,
    refunded_amount: str | Decimal = "0.00",
    **kw,
) -> Order:
    amount = Decimal(amount)
    coupon = Decimal(coupon)
    if credit:
        payment_status = (
            Order.PaymentStatus.REPAID if repaid_at else Order.PaymentStatus.PAID_ON_CREDIT
        )
        paid = {"paid_balance": 0, "paid_coupon": coupon, "paid_credit": amount - coupon}
    else:
        payment_status = Order.PaymentStatus.PAID
        paid = {"paid_balance": amount - coupon, "paid_coupon": coupon, "paid_credit": 0}
    fields = {
        "product": product,
        "kind": kind,
        "status": Order.Status.PAID,
        "payment_status": payment_status,
        "quantity": quantity,
        "periods": periods,
        "unit_price": (amount / (quantity * periods)).quantize(Decimal("0.01")),
        "list_amount": amount,
        "amount": amount,
        "refunded_amount": Decimal(refunded_amount),
        "paid_at": paid_at,
        "effective_at": effective_at or paid_at,
        "repaid_at": repaid_at,
        "subscription": None,
        **paid,
        **kw,
    }
    if buyer is not None:
        fields["buyer"] = buyer
    return PaidOrderFactory(**fields)


def case_for(order: Order, *, completed_at: dt.datetime | None = None) -> Case:
    return Case.objects.create(
        order=order,
        seller=order.seller,
        buyer=order.buyer,
        product=order.product,
        flow="standard",
        node="acceptance" if completed_at is None else "completed",
        status=SupervisionStatus.COMPLETED if completed_at else SupervisionStatus.IN_PROGRESS,
        node_entered_at=order.paid_at,
        delivery_days=5,
        opened_at=order.paid_at,
        completed_at=completed_at,
    )


class FeePolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeePolicy

    product_type = DeliveryType.SAAS
    ratio = Decimal("0.050000")
    effective_from = factory.LazyFunction(lambda: beijing(2020, 1, 1))


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    contact_name = "Wang Wu"


class PartnerBindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerBinding

    partner = factory.SubFactory(PartnerFactory)
    buyer = factory.SubFactory(UserFactory)
    valid_from = factory.LazyFunction(lambda: beijing(2020, 1, 1))
    valid_to = None


class PartnerTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerTerms

    partner = factory.SubFactory(PartnerFactory)
    product_type = DeliveryType.SAAS
    mode = PartnerTerms.Mode.PRICE_SHARE
    ratio = Decimal("0.200000")
    floor_price = None
    output_vat_rate = Decimal("0.130000")
    service_fee_vat_rate = Decimal("0.060000")
    effective_from = factory.LazyFunction(lambda: beijing(2020, 1, 1))


class AccelerationTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccelerationTier
        django_get_or_create = ("code",)

    code = "silver"
    name = "Silver"
    gmv_threshold = Decimal("100000.00")
    benefits = "Homepage recommendation slot"


def issued_bill(
    *,
    seller=None,
    product_type: str = DeliveryType.SAAS,
    period: str = "2026-01",
    net_total: str | Decimal = "950.00",
    invoice_required: bool | None = None,
):
    """An issued `Bill` written directly (no lines) with its run; `invoice_required`
    defaults to the rule (joint-operation types)."""
    from settlement.models import Bill, SettlementRun
    from settlement.rules import INVOICE_REQUIRED_TYPES
    from tests.factories.sellers import ActiveSellerFactory

    run = SettlementRun.objects.create(period=period, status=SettlementRun.Status.FINISHED)
    return Bill.objects.create(
        seller=seller or ActiveSellerFactory(),
        product_type=product_type,
        period=period,
        run=run,
        invoice_required=(
            product_type in INVOICE_REQUIRED_TYPES if invoice_required is None else invoice_required
        ),
        line_count=1,
        gross_total=Decimal("1000.00"),
        fee_total=Decimal("50.00"),
        net_total=Decimal(net_total),
    )


def share_bill(*, partner=None, period: str = "2026-01", share_total: str | Decimal = "120.00"):
    """An issued `PartnerShareBill` written directly; the partner has an account."""
    from settlement.models import PartnerShareBill

    partner = partner or PartnerFactory(user=UserFactory())
    return PartnerShareBill.objects.create(
        partner=partner, period=period, line_count=1, share_total=Decimal(share_total)
    )

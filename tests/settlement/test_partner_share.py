"""06 › Customer service partner share: both formulas with worked numbers, the binding and
terms chosen at the policy time, and SQL agreeing with Python to the cent."""

import random
from decimal import Decimal

import pytest

from settlement import amounts
from settlement.checks import bill_line_mismatches
from settlement.models import BillLine, PartnerTerms
from settlement.services import settlement_run
from tests.factories.accounts import UserFactory
from tests.factories.settlement import (
    FeePolicyFactory,
    PartnerBindingFactory,
    PartnerTermsFactory,
    beijing,
    billable_order,
    settle_product,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def fee_5_percent():
    return FeePolicyFactory(ratio=D("0.05"))


def test_price_share_worked_example(fee_5_percent):
    buyer = UserFactory()
    binding = PartnerBindingFactory(buyer=buyer)
    terms = PartnerTermsFactory(
        partner=binding.partner,
        mode=PartnerTerms.Mode.PRICE_SHARE,
        ratio=D("0.2"),
        output_vat_rate=D("0.13"),
        service_fee_vat_rate=D("0.06"),
    )
    order = billable_order(
        product=settle_product(), buyer=buyer, amount="10000.00", paid_at=beijing(2024, 5, 6)
    )
    settlement_run(period="2024-05")
    line = BillLine.objects.get(order=order)
    # 10,000.00 × 20% ÷ 1.13 × 1.06 = 1,876.1061… → 1,876.11
    assert line.partner == binding.partner and line.partner_terms == terms
    assert line.partner_mode == "price_share"
    assert line.partner_base == D("10000.00")
    assert line.partner_amount == D("1876.11")
    assert line.fee == D("500.00")
    assert line.seller_net == D("7623.89")  # 10,000.00 − 500.00 − 1,876.11
    assert (line.output_vat_rate, line.service_fee_vat_rate) == (D("0.13"), D("0.06"))


def test_floor_price_worked_example(fee_5_percent):
    buyer = UserFactory()
    binding = PartnerBindingFactory(buyer=buyer)
    PartnerTermsFactory(
        partner=binding.partner,
        mode=PartnerTerms.Mode.FLOOR_PRICE,
        floor_price=D("1800.00"),
        ratio=D("0.3"),
        output_vat_rate=D("0.13"),
        service_fee_vat_rate=D("0.06"),
    )
    # 2 units at 2,500.00: order price 5,000.00, floor 2 × 1,800.00 = 3,600.00.
    order = billable_order(
        product=settle_product(),
        buyer=buyer,
        amount="5000.00",
        quantity=2,
        paid_at=beijing(2024, 5, 6),
    )
    cheap = billable_order(
        product=order.product, buyer=buyer, amount="1500.00", paid_at=beijing(2024, 5, 7)
    )
    settlement_run(period="2024-05")
    line = BillLine.objects.get(order=order)
    # (5,000.00 − 3,600.00) × 30% ÷ 1.13 × 1.06 = 393.9823… → 393.98
    assert (line.partner_units, line.partner_floor) == (2, D("1800.00"))
    assert line.partner_base == D("1400.00")
    assert line.partner_amount == D("393.98")
    assert line.fee == D("250.00")
    assert line.seller_net == D("4356.02")  # 5,000.00 − 250.00 − 393.98
    # Sold below the floor: no share (the base never goes below 0).
    below = BillLine.objects.get(order=cheap)
    assert (below.partner_base, below.partner_amount) == (D("0.00"), D("0.00"))
    assert below.seller_net == D("1425.00")


def test_binding_and_terms_are_those_at_the_policy_time(fee_5_percent):
    buyer = UserFactory()
    binding = PartnerBindingFactory(
        buyer=buyer, valid_from=beijing(2024, 5, 10), valid_to=beijing(2024, 5, 20)
    )
    first = PartnerTermsFactory(partner=binding.partner, ratio=D("0.1"))
    second = PartnerTermsFactory(
        partner=binding.partner, ratio=D("0.2"), effective_from=beijing(2024, 5, 15)
    )
    product = settle_product()
    before = billable_order(product=product, buyer=buyer, paid_at=beijing(2024, 5, 9))
    early = billable_order(product=product, buyer=buyer, paid_at=beijing(2024, 5, 12))
    late = billable_order(product=product, buyer=buyer, paid_at=beijing(2024, 5, 16))
    ended = billable_order(product=product, buyer=buyer, paid_at=beijing(2024, 5, 20))
    other_type = billable_order(
        product=settle_product(seller=product.seller, delivery_type="image"),
        buyer=buyer,
        paid_at=beijing(2024, 5, 12),
    )
    settlement_run(period="2024-05")
    lines = {line.order_id: line for line in BillLine.objects.all()}
    assert lines[before.pk].partner_id is None
    assert lines[early.pk].partner_terms == first
    assert lines[late.pk].partner_terms == second
    assert lines[ended.pk].partner_id is None  # valid_to is exclusive
    assert lines[other_type.pk].partner_id is None  # no terms for that product type
    assert lines[other_type.pk].fee_policy_id is None  # no policy for images: ratio 0
    assert lines[other_type.pk].seller_net == D("1000.00")


def test_rounding_ties_go_half_up_in_python():
    assert amounts.fee_amount(D("1000.04"), D("0.125")) == D("125.01")  # 125.005
    assert amounts.fee_amount(D("-1000.04"), D("0.125")) == D("-125.01")
    assert amounts.partner_amount(D("1.00"), D("0.005"), D("0"), D("0")) == D("0.01")
    assert amounts.refund_share_base(D("-500.00"), D("1400.00"), D("5000.00")) == D("-140.00")


def test_sql_rounding_matches_python_for_many_inputs(fee_5_percent):
    """The run's SQL (numeric on PostgreSQL, the Python functions on SQLite) and the
    Python re-derivation of `settlement_check` agree on every line, ties included."""
    rng = random.Random(12)
    FeePolicyFactory(ratio=D("0.125"), product_type="image")
    product = settle_product()
    image = settle_product(seller=product.seller, delivery_type="image")
    for n in range(40):
        buyer = UserFactory()
        binding = PartnerBindingFactory(buyer=buyer)
        floor = n % 2 == 0
        PartnerTermsFactory(
            partner=binding.partner,
            product_type="image" if n % 3 == 0 else "saas",
            mode="floor_price" if floor else "price_share",
            floor_price=D(rng.randint(0, 90000)) / 100 if floor else None,
            ratio=D(rng.randint(0, 1_000_000)) / 1_000_000,
            output_vat_rate=rng.choice([D("0.06"), D("0.09"), D("0.13"), D("0.03")]),
            service_fee_vat_rate=rng.choice([D("0.06"), D("0.13"), D("0")]),
        )
        amount = rng.choice(["1000.04", "1000.12", "999.99", "0.01", "12345.67"])
        if n > 10:
            amount = str(D(rng.randint(1, 2_000_000)) / 100)
        billable_order(
            product=image if n % 3 == 0 else product,
            buyer=buyer,
            amount=amount,
            quantity=rng.randint(1, 3),
            paid_at=beijing(2024, 5, 1 + n % 28),
        )
    # Exact ties at half a cent: 1,000.04 × 12.5% = 125.005; 1,000.00 × 0.0005% = 0.005.
    fee_tie = billable_order(product=image, amount="1000.04", paid_at=beijing(2024, 5, 30))
    buyer = UserFactory()
    binding = PartnerBindingFactory(buyer=buyer)
    PartnerTermsFactory(
        partner=binding.partner,
        ratio=D("0.000005"),
        output_vat_rate=D("0"),
        service_fee_vat_rate=D("0"),
    )
    share_tie = billable_order(
        product=product, buyer=buyer, amount="1000.00", paid_at=beijing(2024, 5, 30)
    )
    settlement_run(period="2024-05")
    assert BillLine.objects.count() == 42
    assert list(bill_line_mismatches()) == []
    assert BillLine.objects.get(order=fee_tie).fee == D("125.01")
    assert BillLine.objects.get(order=share_tie).partner_amount == D("0.01")


def test_a_later_binding_ends_an_earlier_overlapping_one(fee_5_percent):
    """Bindings entered overlapping (the service refuses it; rows written directly): the
    buyer's next binding ends the previous one, so an order never has two partners."""
    buyer = UserFactory()
    first = PartnerBindingFactory(buyer=buyer, valid_from=beijing(2024, 1, 1))
    second = PartnerBindingFactory(
        buyer=buyer, valid_from=beijing(2024, 5, 10), valid_to=beijing(2024, 5, 20)
    )
    for binding in (first, second):
        PartnerTermsFactory(partner=binding.partner)
    product = settle_product()
    orders = [
        billable_order(product=product, buyer=buyer, paid_at=beijing(2024, 5, day))
        for day in (9, 15, 25)
    ]
    settlement_run(period="2024-05")
    partners = [BillLine.objects.get(order=o).partner for o in orders]
    assert partners == [first.partner, second.partner, None]
    assert list(bill_line_mismatches()) == []

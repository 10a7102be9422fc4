"""06 › Monthly billing run: the four eligibility rules, the 1,000-yuan carry-over, credit
repayment, refunds of billed orders as negative lines on the next bill."""

from decimal import Decimal

import pytest

from orders.models import Order
from settlement.models import Bill, BillLine, CarryOver
from settlement.services import settlement_run
from tests.factories.settlement import (
    FeePolicyFactory,
    beijing,
    billable_order,
    settle_product,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def product():
    FeePolicyFactory(ratio=D("0.05"))
    return settle_product()


def test_below_1000_yuan_carries_over_to_the_first_month_that_reaches_it(product):
    first = billable_order(product=product, amount="600.00", paid_at=beijing(2024, 2, 10))
    run = settlement_run(period="2024-02")
    assert not Bill.objects.exists()
    carry = CarryOver.objects.get()
    assert (carry.seller, carry.product_type, carry.period) == (product.seller, "saas", "2024-02")
    assert (carry.amount, carry.line_count, carry.run) == (D("600.00"), 1, run)
    assert run.carry_overs_created == 1

    second = billable_order(product=product, amount="399.99", paid_at=beijing(2024, 3, 3))
    settlement_run(period="2024-03")  # 999.99: still below
    assert CarryOver.objects.get(period="2024-03").amount == D("999.99")
    assert not Bill.objects.exists()

    third = billable_order(product=product, amount="0.01", paid_at=beijing(2024, 4, 30))
    settlement_run(period="2024-04")  # exactly 1,000.00: billed
    bill = Bill.objects.get()
    assert bill.period == "2024-04"
    lines = {line.order_id: line for line in bill.lines.all()}
    assert set(lines) == {first.pk, second.pk, third.pk}
    assert lines[first.pk].carried_over and lines[second.pk].carried_over
    assert not lines[third.pk].carried_over
    assert (bill.gross_total, bill.carried_in_total) == (D("1000.00"), D("999.99"))
    assert bill.fee_total == sum(line.fee for line in lines.values())
    assert bill.net_total == bill.gross_total - bill.fee_total - bill.partner_total
    assert bill.line_count == 3


def test_groups_are_per_seller_and_product_type(product):
    image = settle_product(seller=product.seller, delivery_type="image")
    billable_order(product=product, amount="900.00", paid_at=beijing(2024, 2, 1))
    billable_order(product=image, amount="900.00", paid_at=beijing(2024, 2, 1))
    other = billable_order(product=settle_product(), amount="1200.00", paid_at=beijing(2024, 2, 1))
    settlement_run(period="2024-02")
    assert list(Bill.objects.values_list("seller", "product_type")) == [(other.seller_id, "saas")]
    assert CarryOver.objects.count() == 2


def test_credit_line_order_waits_for_repayment_as_of_the_period_end(product):
    billable_order(product=product, amount="1000.00", paid_at=beijing(2024, 2, 1))
    on_credit = billable_order(
        product=product, credit=True, amount="1000.00", paid_at=beijing(2024, 2, 5)
    )
    settlement_run(period="2024-02")
    assert not BillLine.objects.filter(order=on_credit).exists()

    # Repaid on March 2: not in February's bill (already made), billed in March's.
    on_credit.payment_status = Order.PaymentStatus.REPAID
    on_credit.repaid_at = beijing(2024, 3, 2)
    on_credit.save()
    billable_order(product=product, amount="500.00", paid_at=beijing(2024, 3, 4))
    settlement_run(period="2024-03")
    line = BillLine.objects.get(order=on_credit)
    assert line.bill.period == "2024-03"
    assert line.eligible_at == beijing(2024, 3, 2)
    assert line.carried_over is False


def test_repaid_after_the_period_end_waits_even_if_the_run_is_late(product):
    billable_order(product=product, amount="1000.00", paid_at=beijing(2024, 2, 1))
    repaid_late = billable_order(
        product=product,
        credit=True,
        amount="1000.00",
        paid_at=beijing(2024, 2, 5),
        repaid_at=beijing(2024, 3, 1, 0, 0, 1),
    )
    settlement_run(period="2024-02")
    assert not BillLine.objects.filter(order=repaid_late).exists()


def test_what_is_never_billed(product):
    billable_order(product=product, amount="1000.00", paid_at=beijing(2024, 2, 1))
    coupon = billable_order(
        product=product, amount="300.00", coupon="300.00", paid_at=beijing(2024, 2, 1)
    )
    never = [
        billable_order(
            product=product, amount="5000.00", paid_at=beijing(2024, 2, 2), is_test=True
        ),
        billable_order(
            product=product,
            amount="5000.00",
            paid_at=beijing(2024, 2, 2),
            payment_status=Order.PaymentStatus.REFUNDED,
            refunded_amount="5000.00",
        ),
        billable_order(product=product, amount="0.00", paid_at=beijing(2024, 2, 2)),
        billable_order(
            product=product,
            amount="5000.00",
            paid_at=beijing(2024, 1, 31),
            effective_at=beijing(2024, 3, 1),
            kind="renewal",
        ),
        billable_order(product=product, amount="5000.00", paid_at=beijing(2024, 3, 1)),
        billable_order(
            product=product,
            amount="5000.00",
            paid_at=None,
            payment_status=Order.PaymentStatus.UNPAID,
            status=Order.Status.PENDING_PAYMENT,
            effective_at=beijing(2024, 2, 2),
        ),
    ]
    settlement_run(period="2024-02")
    billed = set(BillLine.objects.values_list("order_id", flat=True))
    assert coupon.pk in billed  # cash coupons: paid, nothing to repay
    assert billed.isdisjoint(o.pk for o in never)
    assert Bill.objects.get().gross_total == D("1300.00")


def test_refund_of_a_billed_order_is_a_negative_line_on_the_next_bill(product):
    order = billable_order(product=product, amount="1500.00", paid_at=beijing(2024, 2, 10))
    settlement_run(period="2024-02")
    february = Bill.objects.get(period="2024-02")

    Order.objects.filter(pk=order.pk).update(refunded_amount=D("500.00"))
    billable_order(product=product, amount="2000.00", paid_at=beijing(2024, 3, 3))
    settlement_run(period="2024-03")
    refund = BillLine.objects.get(order=order, kind="refund")
    assert refund.bill.period == "2024-03"
    assert refund.refund_of == BillLine.objects.get(order=order, kind="normal")
    assert (refund.gross, refund.fee, refund.seller_net) == (
        D("-500.00"),
        D("-25.00"),
        D("-475.00"),
    )
    assert refund.refunded_total == D("500.00")
    march = refund.bill
    assert march.refund_total == D("-500.00")
    assert march.gross_total == D("1500.00")
    february.refresh_from_db()
    assert february.gross_total == D("1500.00")  # a bill never changes

    # A second refund takes off only what is new.
    Order.objects.filter(pk=order.pk).update(refunded_amount=D("800.00"))
    billable_order(product=product, amount="1300.00", paid_at=beijing(2024, 4, 3))
    settlement_run(period="2024-04")  # 1,300.00 − 300.00 reaches 1,000.00
    second = BillLine.objects.get(order=order, kind="refund", refunded_total=D("800.00"))
    assert (second.gross, second.bill.period) == (D("-300.00"), "2024-04")


def test_a_refund_pulls_the_group_below_the_threshold(product):
    order = billable_order(product=product, amount="1500.00", paid_at=beijing(2024, 2, 10))
    settlement_run(period="2024-02")
    Order.objects.filter(pk=order.pk).update(refunded_amount=D("1500.00"))
    billable_order(product=product, amount="2000.00", paid_at=beijing(2024, 3, 3))
    settlement_run(period="2024-03")  # 2,000.00 − 1,500.00 = 500.00: carried over
    assert CarryOver.objects.get(period="2024-03").amount == D("500.00")
    assert not BillLine.objects.filter(kind="refund").exists()


def test_a_refund_before_billing_is_on_the_same_bill(product):
    order = billable_order(
        product=product,
        amount="2000.00",
        refunded_amount="200.00",
        paid_at=beijing(2024, 2, 10),
    )
    settlement_run(period="2024-02")
    bill = Bill.objects.get()
    kinds = dict(bill.lines.values_list("kind", "gross"))
    assert kinds == {"normal": D("2000.00"), "refund": D("-200.00")}
    assert bill.gross_total == D("1800.00")
    assert BillLine.objects.get(order=order, kind="refund").fee == D("-10.00")

"""Settlement reads (scoped by owner), `line_explain`, the beat task and the run command."""

from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.http import Http404

from orders.models import Order, PrivateOffer
from settlement import selectors as sel
from settlement.explain import line_explain, line_explain_text
from settlement.models import Bill, BillLine, SettlementRun
from settlement.tasks import run_monthly_settlement
from tests.factories.accounts import UserFactory
from tests.factories.settlement import (
    AccelerationTierFactory,
    FeePolicyFactory,
    PartnerBindingFactory,
    PartnerTermsFactory,
    beijing,
    billable_order,
    settle_product,
)
from tests.settlement.test_run_idempotency import make_month

pytestmark = pytest.mark.django_db
D = Decimal


def test_bills_and_lines_are_scoped_by_seller(django_assert_num_queries):
    products = make_month()
    call_command("settlement_run", "--period", "2024-05", stdout=StringIO())
    mine, theirs = products[0].seller, products[1].seller
    bills = list(sel.bill_list(seller=mine))
    assert [b.seller for b in bills] == [mine]
    assert list(sel.bill_list(seller=mine, period="2024-04")) == []
    bill = sel.bill_for_seller(seller=mine, bill_id=bills[0].pk)
    with pytest.raises(Http404):
        sel.bill_for_seller(seller=theirs, bill_id=bill.pk)
    with django_assert_num_queries(1):
        lines = list(sel.bill_lines(bill=bill))
        assert [line.order.number for line in lines]  # no query per line
    assert len(lines) == 3
    assert [x.kind for x in sel.bill_lines(bill=bill, filters=sel.LineFilters(kind="refund"))] == [
        "refund"
    ]
    partnered = sel.bill_lines(bill=bill, filters=sel.LineFilters(with_partner=True))
    assert {x.partner_id is not None for x in partnered} == {True}
    number = lines[0].order.number
    assert len(sel.bill_lines(bill=bill, filters=sel.LineFilters(order_number=number))) >= 1
    with pytest.raises(Http404):
        sel.line_for_seller(seller=theirs, line_id=lines[0].pk)
    assert sel.bill_of_order(order=lines[0].order) == bill
    assert sel.period_finished(period="2024-05")


def test_line_explain_fills_the_formula_with_the_line_numbers():
    FeePolicyFactory(ratio=D("0.05"))
    buyer = UserFactory()
    binding = PartnerBindingFactory(buyer=buyer, partner__name="Huatong")
    PartnerTermsFactory(
        partner=binding.partner, mode="floor_price", floor_price=D("1800.00"), ratio=D("0.3")
    )
    order = billable_order(
        product=settle_product(),
        buyer=buyer,
        amount="5000.00",
        quantity=2,
        refunded_amount="500.00",
        paid_at=beijing(2024, 5, 6),
    )
    call_command("settlement_run", "--period", "2024-05", stdout=StringIO())
    normal = BillLine.objects.select_related("order", "fee_policy", "partner").get(
        order=order, kind="normal"
    )
    text = line_explain_text(normal)
    assert order.number in text
    assert "5,000.00 × 5%, rounded half up" in text and "= 250.00" in text
    assert "5,000.00 − floor price 1,800.00 × 2 units" in text and "= 1,400.00" in text
    assert "1,400.00 × 30% ÷ (1 + 13%) × (1 + 6%)" in text and "= 393.98" in text
    assert "gross 5,000.00 − fee 250.00 − partner share 393.98 = 4,356.02" in text
    assert "Huatong" in text
    refund = BillLine.objects.select_related("order", "partner", "refund_of").get(kind="refund")
    steps = line_explain(refund)
    assert steps[0].result == "-500.00"
    assert "-500.00 × 1,400.00 ÷ 5,000.00" in line_explain_text(refund)
    assert steps[-1].result == f"{refund.seller_net:,.2f}"


def test_fee_ratios_of_a_seller_with_history_and_upcoming():
    product = settle_product()
    settle_product(seller=product.seller, delivery_type="image")
    old = FeePolicyFactory(ratio=D("0.05"), effective_from=beijing(2020, 1, 1))
    current = FeePolicyFactory(ratio=D("0.08"), effective_from=beijing(2024, 3, 1))
    upcoming = FeePolicyFactory(ratio=D("0.06"), effective_from=beijing(2099, 1, 1))
    FeePolicyFactory(product_type="hardware", ratio=D("0.5"))  # not sold by the seller
    rows = {r.product_type: r for r in sel.seller_fee_ratios(seller=product.seller)}
    assert set(rows) == {"saas", "image"}
    assert (rows["saas"].current, rows["saas"].history, rows["saas"].upcoming) == (
        current,
        [old],
        [upcoming],
    )
    assert rows["image"].current is None
    assert sel.fee_policy_in_force(product_type="saas", at=beijing(2024, 2, 29)) == old
    assert sel.fee_policy_history(product_type="saas") == [upcoming, current, old]


def test_acceleration_tier_from_private_offer_gmv():
    for code, threshold in (("silver", 100_000), ("gold", 2_000_000), ("diamond", 5_000_000)):
        AccelerationTierFactory(code=code, name=code.title(), gmv_threshold=D(threshold))
    product = settle_product()
    seller = product.seller
    buyer = UserFactory()
    offer = PrivateOffer.objects.create(
        seller=seller,
        product=product,
        buyer=buyer,
        kind="percent",
        value=D("10"),
        valid_from=beijing(2024, 1, 1),
        valid_until=beijing(2030, 1, 1),
    )
    at = beijing(2024, 5, 1)
    billable_order(product=product, buyer=buyer, amount="90000.00", private_offer=offer, paid_at=at)
    billable_order(
        product=product,
        buyer=buyer,
        amount="20000.00",
        refunded_amount="5000.00",
        private_offer=offer,
        paid_at=at,
    )
    billable_order(product=product, amount="900000.00", paid_at=at)  # no private offer
    billable_order(
        product=product, amount="900000.00", private_offer=offer, paid_at=at, is_test=True
    )
    billable_order(
        product=product,
        amount="900000.00",
        private_offer=offer,
        paid_at=at,
        payment_status=Order.PaymentStatus.REFUNDED,
        refunded_amount="900000.00",
    )
    acc = sel.seller_acceleration(seller=seller)
    assert acc.gmv == D("105000.00")
    assert (acc.tier.code, acc.next_tier.code, acc.to_next) == ("silver", "gold", D("1895000.00"))
    assert sel.seller_acceleration(seller=settle_product().seller).tier is None


def test_the_beat_task_bills_the_previous_month_once():
    make_month()
    with time_machine.travel(beijing(2024, 6, 1, 2, 30), tick=False):
        run_id = run_monthly_settlement()
        assert SettlementRun.objects.get(pk=run_id).period == "2024-05"
        assert run_monthly_settlement() is None  # finished: left alone
    assert Bill.objects.filter(period="2024-05").count() == 3


def test_the_run_command():
    products = make_month()
    out = StringIO()
    call_command(
        "settlement_run", "--period", "2024-05", "--seller", str(products[0].seller_id), stdout=out
    )
    assert "finished" in out.getvalue() and "bills=1" in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("settlement_run", "--period", "May", stdout=StringIO())
    with pytest.raises(CommandError, match="No seller"):
        call_command("settlement_run", "--period", "2024-05", "--seller", "0", stdout=StringIO())


def test_the_run_is_on_the_beat_schedule_on_the_first_of_the_month(settings):
    from marketplace.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["settlement-monthly-run"]
    assert entry["task"] == "settlement.tasks.run_monthly_settlement"
    assert entry["task"] in app.tasks
    assert entry["schedule"].day_of_month == {1}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert run_monthly_settlement.acks_late is True

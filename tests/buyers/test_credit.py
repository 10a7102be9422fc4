"""The credit line: monthly bills (Beijing months), repayment, and the orders it repays."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from buyers.models import CreditBill, LedgerEntry, Wallet
from buyers.services.wallet import InsufficientFunds, payment_charge, payment_refund
from buyers.tasks import issue_credit_bills
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError
from orders.models import Order
from orders.services.credit import credit_bill_repay, credit_bills_issue
from tests.factories.accounts import UserFactory
from tests.factories.buyers import CreditBillFactory, WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

BJ = ZoneInfo("Asia/Shanghai")
D = Decimal


def at(*args):
    return time_machine.travel(dt.datetime(*args, tzinfo=BJ), tick=False)


@pytest.fixture
def product():
    p = listed_product()
    p.credit_line_allowed = True
    p.save()
    return p


def credit_order(buyer, product, amount) -> Order:
    order = OrderFactory(
        buyer=buyer,
        product=product,
        amount=D(amount),
        status=Order.Status.PAID,
        payment_status=Order.PaymentStatus.PAID_ON_CREDIT,
        paid_credit=D(amount),
    )
    payment_charge(
        buyer=buyer, product=product, order_number=order.number, amount=D(amount), method="credit"
    )
    return order


@pytest.fixture
def march(product):
    """Buyer A paid 30 + 20 on credit in March (Beijing), 5 of it refunded; a payment on
    1 April 00:10 Beijing (31 March UTC) belongs to April."""
    wallet = WalletFactory(balance=D("100.00"), credit_limit=D("200.00"))
    buyer = wallet.buyer
    with at(2026, 3, 1, 0, 0, 1):
        first = credit_order(buyer, product, "30.00")
    with at(2026, 3, 31, 23, 59):
        second = credit_order(buyer, product, "20.00")
        payment_refund(
            buyer=buyer, order_number=second.number, amount=D("5"), paid=_paid(second), key="r"
        )
    with at(2026, 4, 1, 0, 10):
        april = credit_order(buyer, product, "7.00")
    return buyer, first, second, april


def _paid(order):
    from buyers.services.wallet import Charge

    return Charge(credit=order.paid_credit)


def test_bills_of_the_previous_beijing_month(march):
    buyer, *_ = march
    with at(2026, 4, 1, 0, 5):
        assert credit_bills_issue(period="2026-03") == 1
        assert credit_bills_issue(period="2026-03") == 0  # idempotent

    bill = CreditBill.objects.get()
    assert (bill.buyer, bill.period, bill.amount) == (buyer, "2026-03", D("45.00"))
    assert timezone_local(bill.due_at) == dt.datetime(2026, 4, 15, 23, 59, 59, tzinfo=BJ)
    with at(2026, 4, 15), pytest.raises(DomainError):
        credit_bills_issue(period="2026-04")  # not over yet


def timezone_local(value):
    return value.astimezone(BJ)


def test_beat_task_issues_last_month(march):
    with at(2026, 4, 1, 0, 5):
        assert issue_credit_bills() == 1
        assert issue_credit_bills() == 0
    assert CreditBill.objects.get().period == "2026-03"


def test_repay_moves_money_and_marks_the_months_orders(march):
    buyer, first, second, april = march
    with at(2026, 4, 1, 0, 5):
        credit_bills_issue(period="2026-03")
    bill = CreditBill.objects.get()

    with at(2026, 4, 2, 9, 0):
        credit_bill_repay(bill=bill, buyer=buyer)

    bill.refresh_from_db()
    wallet = Wallet.objects.get(buyer=buyer)
    assert bill.status == CreditBill.Status.REPAID and bill.repaid_at
    assert wallet.balance == D("55.00") and wallet.credit_used == D("7.00")  # April's
    entries = LedgerEntry.objects.filter(credit_bill=bill, kind="credit_repayment")
    assert sorted(entries.values_list("account", "amount")) == [
        ("balance", D("-45.00")),
        ("credit", D("45.00")),
    ]
    for order in (first, second):
        order.refresh_from_db()
        assert order.payment_status == Order.PaymentStatus.REPAID and order.repaid_at
        assert [h.action for h in history_for(order)] == ["repay"]
    april.refresh_from_db()
    assert april.payment_status == Order.PaymentStatus.PAID_ON_CREDIT
    with pytest.raises(DomainError):
        credit_bill_repay(bill=bill, buyer=buyer)  # already repaid


def test_repay_with_a_short_balance_changes_nothing(march):
    buyer, first, *_ = march
    Wallet.objects.filter(buyer=buyer).update(balance=D("10.00"))
    LedgerEntry.objects.filter(wallet__buyer=buyer, account="balance").update(amount=D("10.00"))
    with at(2026, 4, 1, 0, 5):
        credit_bills_issue(period="2026-03")
    bill = CreditBill.objects.get()
    with pytest.raises(InsufficientFunds):
        credit_bill_repay(bill=bill, buyer=buyer)
    bill.refresh_from_db()
    first.refresh_from_db()
    assert bill.status == CreditBill.Status.OPEN
    assert first.payment_status == Order.PaymentStatus.PAID_ON_CREDIT


def test_another_buyers_bill_is_refused():
    bill = CreditBillFactory()
    with pytest.raises(DomainError):
        credit_bill_repay(bill=bill, buyer=UserFactory())


def test_credit_page_and_repay_button(client, march):
    buyer, *_ = march
    with at(2026, 4, 1, 0, 5):
        credit_bills_issue(period="2026-03")
    bill = CreditBill.objects.get()
    client.force_login(buyer)

    page = client.get(reverse("buyer:credit"))
    assert page.status_code == 200 and b"2026-03" in page.content
    response = client.post(reverse("buyer:credit_bill_repay", args=[bill.pk]))

    assert response.status_code == 302 and response.url == reverse("buyer:credit")
    bill.refresh_from_db()
    assert bill.status == CreditBill.Status.REPAID


def test_another_buyers_bill_is_404_and_unchanged(client, march):
    buyer, *_ = march
    with at(2026, 4, 1, 0, 5):
        credit_bills_issue(period="2026-03")
    bill = CreditBill.objects.get()
    client.force_login(UserFactory())
    WalletFactory(buyer=UserFactory(), balance=D("1000"))
    assert client.post(reverse("buyer:credit_bill_repay", args=[bill.pk])).status_code == 404
    assert client.get(reverse("buyer:credit_bill_repay", args=[bill.pk])).status_code == 405
    bill.refresh_from_db()
    assert bill.status == CreditBill.Status.OPEN

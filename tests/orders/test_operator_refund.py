"""An operator refunds an order (`order_refund_by_operator`, admin › Orders › "Refund…"):
finance may, support and the reviewer may not; at most what is left to refund; the
money goes back where it came from and the ledger stays consistent."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from buyers.models import LedgerEntry, Wallet
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError, PermissionDenied
from marketplace.core.models import Notification
from orders.models import Order, ProvisioningCall, Refund, Subscription
from orders.services.checkout import order_pay, order_place
from orders.services.unsubscribe import order_refund_by_operator
from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory, UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product

pytestmark = pytest.mark.django_db

D = Decimal
CHANGELIST = reverse("admin:orders_order_changelist")


def bought(balance: str = "200.00") -> Order:
    """A SaaS order of 99.00 placed and paid from the balance through the services."""
    product = listed_product()
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=D(balance))
    spec = product.listed_version.specs.get(code="spec-0")
    order = order_place(buyer=buyer, spec=spec, period="month", agreement_accepted=True)
    order_pay(order_id=order.pk, buyer=buyer)
    order.refresh_from_db()
    return order


def balance(order: Order) -> Decimal:
    return Wallet.objects.get(buyer=order.buyer).balance


def ledger_clean() -> bool:
    out = StringIO()
    call_command("ledger_check", stdout=out)
    return "Ledger consistent." in out.getvalue()


def snapshot(order: Order) -> tuple:
    order.refresh_from_db()
    return (
        order.status,
        order.payment_status,
        order.refunded_amount,
        balance(order),
        Refund.objects.count(),
        LedgerEntry.objects.count(),
        Notification.objects.filter(template="order_refunded_by_operator").count(),
    )


# --- the service ----------------------------------------------------------------------------


def test_finance_refunds_part_then_the_rest():
    order = bought()
    finance = FinanceFactory()
    service_status = order.subscription.status
    # Paid; the SaaS order is supervised: processing while its case is open.
    assert order.status == Order.Status.PROCESSING

    refund = order_refund_by_operator(
        order_id=order.pk, amount=D("30"), reason="Outage on 3 May", actor=finance
    )

    order.refresh_from_db()
    assert (refund.amount, refund.to_balance, refund.actor) == (D("30.00"), D("30.00"), finance)
    assert order.refunded_amount == D("30.00")
    # A partial refund leaves the service running: the order's status doesn't move.
    assert order.status == Order.Status.PROCESSING
    assert order.subscription.status == service_status
    assert balance(order) == D("131.00")
    assert "operator_refund" in [row.action for row in history_for(order)]
    mail = Notification.objects.get(user=order.buyer, template="order_refunded_by_operator")
    assert mail.context["reason"] == "Outage on 3 May" and mail.context["amount"] == "30.00"
    assert ledger_clean()

    order_refund_by_operator(order_id=order.pk, amount=D("69"), reason="Closing", actor=finance)

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.payment_status == Order.PaymentStatus.REFUNDED
    assert order.refunded_amount == order.amount == D("99.00")
    assert balance(order) == D("200.00")
    assert order.subscription.status == Subscription.Status.UNSUBSCRIBED
    assert ProvisioningCall.objects.filter(
        subscription=order.subscription, activity="releaseInstance"
    ).exists()
    actions = [row.action for row in history_for(order)]
    assert actions.count("operator_refund") == 2 and actions.count("refund") == 2
    assert ledger_clean()


def test_the_same_key_refunds_once():
    order = bought()
    finance = FinanceFactory()
    first = order_refund_by_operator(
        order_id=order.pk, amount=D("10"), reason="x", actor=finance, idempotency_key="k1"
    )
    again = order_refund_by_operator(
        order_id=order.pk, amount=D("10"), reason="x", actor=finance, idempotency_key="k1"
    )
    assert first.pk == again.pk and Refund.objects.count() == 1
    assert balance(order) == D("111.00") and ledger_clean()


@pytest.mark.parametrize("make_actor", [SupportFactory, ReviewerFactory, UserFactory])
def test_support_reviewer_and_buyers_may_not_refund(make_actor):
    order = bought()
    before = snapshot(order)
    with pytest.raises(PermissionDenied, match="may not refund"):
        order_refund_by_operator(order_id=order.pk, amount=D("10"), reason="x", actor=make_actor())
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("amount", "reason", "match"),
    [
        (D("99.01"), "x", "at most the 99.00 still refundable"),
        (D("0"), "x", "more than 0"),
        (D("-5"), "x", "more than 0"),
        (D("10"), "  ", "Say why"),
    ],
)
def test_bad_amounts_and_a_missing_reason_change_nothing(amount, reason, match):
    order = bought()
    before = snapshot(order)
    with pytest.raises(DomainError, match=match):
        order_refund_by_operator(
            order_id=order.pk, amount=amount, reason=reason, actor=FinanceFactory()
        )
    assert snapshot(order) == before


def test_above_what_is_left_after_an_earlier_refund_changes_nothing():
    order = bought()
    finance = FinanceFactory()
    order_refund_by_operator(order_id=order.pk, amount=D("90"), reason="x", actor=finance)
    before = snapshot(order)
    with pytest.raises(DomainError, match="at most the 9.00 still refundable"):
        order_refund_by_operator(order_id=order.pk, amount=D("10"), reason="x", actor=finance)
    assert snapshot(order) == before and ledger_clean()


def test_an_unpaid_or_refunded_order_is_refused():
    product = listed_product()
    buyer = UserFactory()
    spec = product.listed_version.specs.get(code="spec-0")
    unpaid = order_place(buyer=buyer, spec=spec, period="month", agreement_accepted=True)
    with pytest.raises(DomainError, match="can't be refunded"):
        order_refund_by_operator(
            order_id=unpaid.pk, amount=D("1"), reason="x", actor=FinanceFactory()
        )
    assert not Refund.objects.exists()


# --- the admin action -------------------------------------------------------------------------


def action_names(client) -> list[str]:
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    form = response.context["action_form"]  # None: no action at all
    return [] if form is None else [name for name, _label in form.fields["action"].choices]


def test_finance_refunds_in_the_admin(client):
    order = bought()
    client.force_login(FinanceFactory())
    assert "refund" in action_names(client)
    data = {"action": "refund", "_selected_action": [order.pk]}

    page = client.post(CHANGELIST, data)
    assert page.status_code == 200
    body = page.content.decode()
    assert "at most 99.00 can be refunded" in body and 'name="reason"' in body
    key = page.context["form"].initial["key"]

    confirm = {**data, "confirm": "1", "amount": "25.00", "reason": "Goodwill", "key": key}
    client.post(CHANGELIST, confirm)
    client.post(CHANGELIST, confirm)  # the same confirmation twice: one refund

    refund = Refund.objects.get()
    assert (refund.order, refund.amount, refund.reason) == (order, D("25.00"), "Goodwill")
    assert balance(order) == D("126.00") and ledger_clean()


def test_above_the_refundable_in_the_admin_says_so_and_changes_nothing(client):
    order = bought()
    client.force_login(FinanceFactory())
    before = snapshot(order)
    data = {"action": "refund", "_selected_action": [order.pk], "confirm": "1"}

    response = client.post(
        CHANGELIST, {**data, "amount": "150.00", "reason": "Too much", "key": "k"}, follow=True
    )

    texts = [str(m) for m in response.context["messages"]]
    assert any("at most the 99.00 still refundable" in t for t in texts), texts
    assert snapshot(order) == before


def test_one_order_at_a_time(client):
    first, second = bought(), bought()
    client.force_login(FinanceFactory())
    response = client.post(
        CHANGELIST, {"action": "refund", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "Select one order" in response.content.decode()
    assert not Refund.objects.exists()


@pytest.mark.parametrize("make_actor", [SupportFactory, ReviewerFactory])
def test_support_and_reviewer_have_no_refund_action(client, make_actor):
    order = bought()
    client.force_login(make_actor())
    if make_actor is SupportFactory:
        assert "refund" not in action_names(client)
    before = snapshot(order)
    client.post(
        CHANGELIST,
        {
            "action": "refund",
            "_selected_action": [order.pk],
            "confirm": "1",
            "amount": "10.00",
            "reason": "x",
            "key": "k",
        },
    )
    assert snapshot(order) == before

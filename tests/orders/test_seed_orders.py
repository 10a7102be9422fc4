"""`seed_orders` (run by `seed_demo`): the demo orders and money, through the services,
idempotent, with a balanced ledger."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import TestCase

from buyers.models import CashCoupon, CreditBill, LedgerEntry, VoucherGrant, Wallet
from buyers.services.periods import previous_period
from orders.models import (
    Order,
    PrivateOffer,
    Refund,
    SignedAgreement,
    Subscription,
    Unsubscription,
)
from supervision.models import SupervisionStatus

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    models = [
        Order,
        Subscription,
        SignedAgreement,
        Unsubscription,
        Refund,
        LedgerEntry,
        CashCoupon,
        CreditBill,
        VoucherGrant,
        PrivateOffer,
    ]
    return {m.__name__: m.objects.count() for m in models}


def seed_twice() -> dict:
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", stdout=out)
    first = _counts()
    wallets = list(Wallet.objects.order_by("pk").values_list("balance", "credit_used"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", stdout=out)
    return {"out": out.getvalue(), "first": first, "wallets": wallets}


@pytest.fixture(scope="module")
def _seeded(module_data):
    """Seeded twice, once for the module (tests/conftest.py, `module_data`)."""
    return module_data.build(seed_twice)


@pytest.fixture
def seeded(_seeded, module_data, db, settings, _media_root):
    return module_data.copy(_seeded, settings)


def test_seed_demo_leaves_the_demo_orders_once_and_the_ledger_balances(seeded):
    assert "seed_orders: 3 wallets topped up" in seeded["out"]
    assert "seed_orders: demo orders already there" in seeded["out"]
    # Idempotent: the second run created nothing and moved no money.
    assert _counts() == seeded["first"]
    assert (
        list(Wallet.objects.order_by("pk").values_list("balance", "credit_used"))
        == seeded["wallets"]
    )
    out = io.StringIO()
    call_command("ledger_check", stdout=out)
    assert "Ledger consistent." in out.getvalue()


def test_buyer_alice_has_every_state_with_seller_cloudnova(seeded):
    alice = Order.objects.filter(
        buyer__username="buyer-alice", seller__user__username="seller-cloudnova"
    )
    by_key = {o.idempotency_key.split(":", 2)[-1]: o for o in alice}
    desk = by_key["clouddesk"]
    # Paid; a SaaS period order is supervised: processing while its case is open (the
    # renewal below, never supervised, stays paid).
    assert desk.payment_status == Order.PaymentStatus.PAID
    assert desk.status == Order.Status.PROCESSING
    assert desk.supervision_case.status == SupervisionStatus.IN_PROGRESS
    assert desk.offer_discount == Decimal("9.90") and desk.voucher_discount == Decimal("20.00")
    assert desk.amount == Decimal("69.10") and desk.paid_balance == Decimal("69.10")
    assert desk.subscription.status == Subscription.Status.ACTIVE
    assert desk.subscription.delivery_type == "saas"
    renewal, refunded = by_key["clouddesk-renewal-1"], by_key["clouddesk-renewal-2"]
    assert renewal.kind == refunded.kind == Order.Kind.RENEWAL
    assert renewal.status == Order.Status.PAID
    assert refunded.status == Order.Status.REFUNDED
    assert refunded.payment_status == Order.PaymentStatus.REFUNDED
    assert refunded.refunded_amount == refunded.amount > 0
    assert desk.subscription.expires_at == renewal.ends_at  # the refunded one undone
    assert by_key["mysql"].status == Order.Status.PENDING_PAYMENT
    assert by_key["hosting"].status == Order.Status.CANCELLED
    crm = by_key["crm"]
    [pending] = Unsubscription.objects.filter(order=crm)
    assert pending.status == Unsubscription.Status.PENDING
    assert pending.rule == Unsubscription.Rule.GUARANTEE
    assert pending.seller.user.username == "seller-cloudnova"
    credit = by_key["k8s-credit"]
    assert credit.payment_status == Order.PaymentStatus.PAID_ON_CREDIT
    assert credit.paid_credit == credit.amount > 0
    bill = CreditBill.objects.get(buyer__username="buyer-alice")
    assert bill.period == previous_period()
    assert bill.status == CreditBill.Status.OPEN and bill.amount == credit.amount
    assert SignedAgreement.objects.filter(buyer__username="buyer-alice").count() == len(by_key)
    grants = dict(
        VoucherGrant.objects.filter(buyer__username="buyer-alice").values_list(
            "voucher__name", "status"
        )
    )
    assert sorted(grants.values()) == ["available", "used"]
    assert PrivateOffer.objects.filter(
        buyer__username="buyer-alice", seller__user__username="seller-cloudnova"
    ).exists()
    wallet = Wallet.objects.get(buyer__username="buyer-alice")
    assert wallet.credit_limit == Decimal("20000.00") and wallet.credit_used == credit.amount
    topped = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.OPERATOR_TOP_UP, actor__username="operator"
    )
    assert set(topped.values_list("wallet__buyer__username", flat=True)) == {
        "buyer-alice",
        "buyer-bob",
        "buyer-chen",
    }


def test_buyer_bob_has_a_cash_coupon_and_orders_with_seller_datamill(seeded):
    coupon = CashCoupon.objects.get(buyer__username="buyer-bob")
    assert coupon.status == CashCoupon.Status.ACTIVE and coupon.remaining < coupon.amount
    bob = Order.objects.filter(buyer__username="buyer-bob")
    assert set(bob.values_list("seller__user__username", flat=True)) == {"seller-datamill"}
    statuses = sorted(bob.values_list("status", flat=True))
    assert statuses == ["paid", "paid", "pending_payment"]
    assert bob.filter(paid_coupon__gt=0).count() == 1
    package = Subscription.objects.get(buyer__username="buyer-bob", billing_mode="package")
    assert package.quota_total == 10000

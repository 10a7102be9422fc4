"""The money admin's actions by operator group: finance tops up wallets, sets credit limits
and revokes cash coupons; support (who sees wallets) and the reviewer (who doesn't) are not
offered the actions, and posting them anyway changes nothing."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from buyers.models import CashCoupon, LedgerEntry, Wallet
from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory
from tests.factories.buyers import CashCouponFactory, WalletFactory

pytestmark = pytest.mark.django_db

D = Decimal
WALLETS = reverse("admin:buyers_wallet_changelist")
COUPONS = reverse("admin:buyers_cashcoupon_changelist")
NOT_FINANCE = [SupportFactory, ReviewerFactory]


def action_names(client, url) -> list[str] | None:
    """The actions offered on the changelist; None when the list itself is refused."""
    response = client.get(url)
    if response.status_code == 403:
        return None
    assert response.status_code == 200
    form = response.context["action_form"]
    return [] if form is None else [name for name, _label in form.fields["action"].choices]


def ledger_clean() -> bool:
    out = StringIO()
    call_command("ledger_check", stdout=out)
    return "Ledger consistent." in out.getvalue()


def test_finance_tops_up_and_sets_the_credit_limit(client):
    wallet = WalletFactory(balance=D("10.00"))
    client.force_login(FinanceFactory())
    assert {"top_up", "set_credit_limit"} <= set(action_names(client, WALLETS))
    data = {"_selected_action": [wallet.pk]}

    page = client.post(WALLETS, {**data, "action": "top_up"})
    assert page.status_code == 200 and 'name="memo"' in page.content.decode()
    client.post(
        WALLETS,
        {**data, "action": "top_up", "confirm": "1", "amount": "25.50", "memo": "Bank 42"},
    )
    client.post(WALLETS, {**data, "action": "set_credit_limit", "confirm": "1", "limit": "300"})

    wallet.refresh_from_db()
    assert (wallet.balance, wallet.credit_limit) == (D("35.50"), D("300.00"))
    entry = LedgerEntry.objects.get(kind="operator_top_up", memo="Bank 42")
    assert entry.amount == D("25.50") and entry.actor is not None
    assert ledger_clean()


@pytest.mark.parametrize(
    "make_actor", [SupportFactory, ReviewerFactory], ids=["support", "reviewer"]
)
def test_support_and_reviewer_can_not_top_up_or_set_limits(client, make_actor):
    wallet = WalletFactory(balance=D("10.00"))
    client.force_login(make_actor())
    offered = action_names(client, WALLETS)
    if make_actor is SupportFactory:
        assert offered is not None  # support sees the wallets ...
    assert not {"top_up", "set_credit_limit"} & set(offered or [])  # ... without the actions
    entries = LedgerEntry.objects.count()
    data = {"_selected_action": [wallet.pk], "confirm": "1"}

    client.post(WALLETS, {**data, "action": "top_up", "amount": "100", "memo": "x"})
    client.post(WALLETS, {**data, "action": "set_credit_limit", "limit": "1000"})

    wallet.refresh_from_db()
    assert (wallet.balance, wallet.credit_limit) == (D("10.00"), D("0.00"))
    assert LedgerEntry.objects.count() == entries


def test_a_bad_top_up_amount_is_asked_again_and_changes_nothing(client):
    wallet = WalletFactory(balance=D("10.00"))
    client.force_login(FinanceFactory())
    entries = LedgerEntry.objects.count()
    page = client.post(
        WALLETS,
        {
            "_selected_action": [wallet.pk],
            "action": "top_up",
            "confirm": "1",
            "amount": "-5",
            "memo": "x",
        },
    )
    assert page.status_code == 200 and page.context["form"].errors["amount"]
    wallet.refresh_from_db()
    assert wallet.balance == D("10.00") and LedgerEntry.objects.count() == entries


@pytest.mark.parametrize(
    "make_actor", [SupportFactory, ReviewerFactory], ids=["support", "reviewer"]
)
def test_support_and_reviewer_can_not_issue_or_revoke_coupons(client, make_actor):
    coupon = CashCouponFactory()
    client.force_login(make_actor())
    assert "revoke" not in (action_names(client, COUPONS) or [])
    assert client.get(reverse("admin:buyers_cashcoupon_add")).status_code == 403

    client.post(
        COUPONS,
        {"action": "revoke", "_selected_action": [coupon.pk], "confirm": "1", "reason": "x"},
    )

    coupon.refresh_from_db()
    assert coupon.status == CashCoupon.Status.ACTIVE and coupon.remaining == coupon.amount
    assert CashCoupon.objects.count() == 1


def test_wallets_and_figures_are_never_edited_by_hand(client):
    wallet = WalletFactory(balance=D("10.00"))
    client.force_login(FinanceFactory())
    change = reverse("admin:buyers_wallet_change", args=[wallet.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"balance": "9999"}).status_code == 403
    assert client.get(reverse("admin:buyers_wallet_add")).status_code == 403
    assert Wallet.objects.get(pk=wallet.pk).balance == D("10.00")

"""The buyer center's money pages and the wallet admin, by role and by owner."""

from decimal import Decimal

import pytest
from django.urls import reverse

from buyers.models import LedgerEntry, Wallet
from buyers.services.wallet import wallet_operator_top_up
from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory, UserFactory
from tests.factories.buyers import TopUpFactory, WalletFactory

pytestmark = pytest.mark.django_db

D = Decimal
PAGES = ["buyer:wallet", "buyer:wallet_top_up", "buyer:credit", "buyer:coupons"]


@pytest.fixture
def buyer(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("name", PAGES)
def test_pages_open_for_a_buyer_without_money(client, buyer, name):
    assert client.get(reverse(name)).status_code == 200
    assert not Wallet.objects.exists()  # reading creates nothing


def test_money_pages_are_in_the_costs_menu(client, buyer):
    body = client.get(reverse("buyer:wallet")).content.decode()
    assert "Costs" in body
    for name in ("buyer:wallet", "buyer:credit", "buyer:coupons"):
        assert reverse(name) in body


def test_wallet_shows_only_the_buyers_own_ledger(client, buyer):
    finance = FinanceFactory()
    wallet_operator_top_up(buyer=buyer, amount=D("12.34"), actor=finance, memo="Mine")
    wallet_operator_top_up(buyer=UserFactory(), amount=D("99.99"), actor=finance, memo="Theirs")

    body = client.get(reverse("buyer:wallet")).content.decode()

    assert "12.34" in body and "Mine" in body
    assert "99.99" not in body and "Theirs" not in body


def test_ledger_is_paginated_and_filtered_with_a_fixed_number_of_queries(
    client, buyer, django_assert_num_queries
):
    finance = FinanceFactory()
    for i in range(25):
        wallet_operator_top_up(buyer=buyer, amount=D("1"), actor=finance, memo=f"t{i}")
    TopUpFactory(buyer=buyer)
    url = reverse("buyer:wallet")

    # session + user, wallet, count, page of entries, recent top-ups
    with django_assert_num_queries(6):
        first = client.get(url)
    assert len(first.context["page"].object_list) == 20
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 5
    none = client.get(url, {"kind": LedgerEntry.Kind.PAYMENT})
    assert none.context["page"].paginator.count == 0
    some = client.get(url, {"kind": LedgerEntry.Kind.OPERATOR_TOP_UP})
    assert some.context["page"].paginator.count == 25
    assert client.get(url, {"kind": "nonsense"}).context["page"].paginator.count == 25


# --- admin ----------------------------------------------------------------------------------


def action(client, name: str, wallet, **data):
    url = reverse("admin:buyers_wallet_changelist")
    return client.post(
        url, {"action": name, "_selected_action": [wallet.pk], "confirm": "1", **data}
    )


def test_finance_tops_up_and_sets_the_limit_in_the_admin(client):
    wallet = WalletFactory()
    client.force_login(FinanceFactory())
    assert client.get(reverse("admin:buyers_wallet_changelist")).status_code == 200
    assert client.get(reverse("admin:buyers_wallet_change", args=[wallet.pk])).status_code == 200

    action(client, "top_up", wallet, amount="50.00", memo="Bank transfer 42")
    action(client, "set_credit_limit", wallet, limit="300.00")

    wallet.refresh_from_db()
    assert wallet.balance == D("50.00") and wallet.credit_limit == D("300.00")
    entry = LedgerEntry.objects.get(kind="operator_top_up")
    assert entry.memo == "Bank transfer 42" and entry.actor.is_staff


@pytest.mark.parametrize("make_user", [SupportFactory, ReviewerFactory])
def test_support_and_reviewer_may_not_move_money(client, make_user):
    wallet = WalletFactory()
    client.force_login(make_user())

    action(client, "top_up", wallet, amount="50.00", memo="x")
    action(client, "set_credit_limit", wallet, limit="300.00")

    wallet.refresh_from_db()
    assert wallet.balance == 0 and wallet.credit_limit == 0


def test_support_views_wallets_and_ledger_but_not_the_rest(client):
    client.force_login(SupportFactory())
    for model in ("wallet", "ledgerentry"):
        assert client.get(reverse(f"admin:buyers_{model}_changelist")).status_code == 200
    for model in ("topup", "creditbill", "cashcoupon"):
        assert client.get(reverse(f"admin:buyers_{model}_changelist")).status_code == 403
    client.force_login(ReviewerFactory())
    assert client.get(reverse("admin:buyers_wallet_changelist")).status_code == 403

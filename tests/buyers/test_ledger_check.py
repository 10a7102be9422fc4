"""`manage.py ledger_check`: passes on clean data, names every planted mismatch."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from buyers.models import CashCoupon, Wallet
from buyers.services.wallet import payment_charge, payment_refund
from tests.factories.buyers import CashCouponFactory, WalletFactory
from tests.factories.catalog import listed_product

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def money():
    product = listed_product()
    product.credit_line_allowed = product.cash_coupon_allowed = True
    product.save()
    wallet = WalletFactory(balance=D("100.00"), credit_limit=D("50.00"))
    coupon = CashCouponFactory(buyer=wallet.buyer, amount=D("10.00"))
    paid = payment_charge(
        buyer=wallet.buyer,
        product=product,
        order_number="A",
        amount=D("25"),
        method="credit",
        coupon_ids=[coupon.pk],
    )
    payment_charge(
        buyer=wallet.buyer, product=product, order_number="B", amount=D("30"), method="balance"
    )
    payment_refund(buyer=wallet.buyer, order_number="A", amount=D("20"), paid=paid, key="r")
    return wallet, coupon


def run() -> str:
    out = StringIO()
    call_command("ledger_check", stdout=out)
    return out.getvalue()


def test_clean_data_passes(money):
    assert "Ledger consistent." in run()


def test_planted_mismatches_are_each_reported(money):
    wallet, coupon = money
    Wallet.objects.filter(pk=wallet.pk).update(balance=D("71.00"), credit_used=D("3.00"))
    CashCoupon.objects.filter(pk=coupon.pk).update(remaining=D("1.00"))
    out = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("ledger_check", stdout=out)

    text = out.getvalue()
    assert error.value.returncode == 1
    assert f"wallet {wallet.pk}" in text and "balance is 71.00, the ledger says 70.00" in text
    assert "credit_used is 3.00, the ledger says 0.00" in text
    assert f"cash coupon {coupon.pk}" in text and "remaining is 1.00, the ledger says 5.00" in text


def test_one_query_per_figure_whatever_the_number_of_wallets(money, django_assert_num_queries):
    for _ in range(5):
        WalletFactory(balance=D("3.00"))
    with django_assert_num_queries(2):
        run()

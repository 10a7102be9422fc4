"""buyers.services.wallet: charging, refunding, operator top-ups and the credit limit."""

from decimal import Decimal

import pytest

from buyers.models import CashCoupon, CreditBill, LedgerEntry, Wallet
from buyers.services.periods import period_of
from buyers.services.wallet import (
    Charge,
    InsufficientFunds,
    payment_charge,
    payment_methods,
    payment_refund,
    wallet_for,
    wallet_operator_top_up,
    wallet_set_credit_limit,
)
from marketplace.catalog.models import AllowlistEntry
from marketplace.core.exceptions import DomainError, PermissionDenied
from tests.factories.accounts import FinanceFactory, SupportFactory, UserFactory
from tests.factories.buyers import CashCouponFactory, WalletFactory
from tests.factories.catalog import listed_product

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def product():
    p = listed_product()
    p.credit_line_allowed = True
    p.cash_coupon_allowed = True
    p.save()
    return p


def charge(buyer, product, number="N1", amount="30.00", method="balance", coupons=()):
    return payment_charge(
        buyer=buyer,
        product=product,
        order_number=number,
        amount=D(amount),
        method=method,
        coupon_ids=coupons,
    )


def test_wallet_for_creates_once():
    buyer = UserFactory()
    assert wallet_for(buyer).pk == wallet_for(buyer).pk
    assert Wallet.objects.filter(buyer=buyer).count() == 1


def test_charge_from_balance_writes_one_entry(product):
    wallet = WalletFactory(balance=D("100.00"))

    paid = charge(wallet.buyer, product)

    assert paid == Charge(balance=D("30.00"), credit=D("0"), coupon=D("0"))
    assert paid.total == D("30.00")
    wallet.refresh_from_db()
    assert wallet.balance == D("70.00")
    entry = LedgerEntry.objects.get(key="pay:N1:balance")
    assert (entry.amount, entry.balance_after, entry.kind) == (D("-30.00"), D("70.00"), "payment")
    assert entry.order_number == "N1"


def test_short_balance_raises_and_changes_nothing(product):
    wallet = WalletFactory(balance=D("10.00"))

    with pytest.raises(InsufficientFunds):
        charge(wallet.buyer, product)

    wallet.refresh_from_db()
    assert wallet.balance == D("10.00")
    assert not LedgerEntry.objects.filter(order_number="N1").exists()


def test_same_order_is_never_charged_twice(product):
    wallet = WalletFactory(balance=D("100.00"))
    charge(wallet.buyer, product)

    with pytest.raises(DomainError):
        charge(wallet.buyer, product)

    wallet.refresh_from_db()
    assert wallet.balance == D("70.00")


def test_coupons_first_then_balance(product):
    wallet = WalletFactory(balance=D("100.00"))
    coupon = CashCouponFactory(buyer=wallet.buyer, amount=D("20.00"))

    paid = charge(wallet.buyer, product, coupons=[coupon.pk])

    assert (paid.coupon, paid.balance) == (D("20.00"), D("10.00"))
    coupon.refresh_from_db()
    assert coupon.remaining == 0 and coupon.status == CashCoupon.Status.USED_UP


def test_coupon_covering_everything_leaves_the_balance(product):
    wallet = WalletFactory(balance=D("0"))
    coupon = CashCouponFactory(buyer=wallet.buyer, amount=D("50.00"))

    paid = charge(wallet.buyer, product, coupons=[coupon.pk])

    assert paid == Charge(coupon=D("30.00"))
    coupon.refresh_from_db()
    assert coupon.remaining == D("20.00") and coupon.status == CashCoupon.Status.ACTIVE


def test_coupons_refused_where_the_product_does_not_allow_them(product):
    product.cash_coupon_allowed = False
    product.save()
    wallet = WalletFactory(balance=D("100.00"))
    coupon = CashCouponFactory(buyer=wallet.buyer)

    with pytest.raises(DomainError):
        charge(wallet.buyer, product, coupons=[coupon.pk])


def test_another_buyers_coupon_is_refused(product):
    wallet = WalletFactory(balance=D("100.00"))
    other = CashCouponFactory()

    with pytest.raises(DomainError):
        charge(wallet.buyer, product, coupons=[other.pk])
    other.refresh_from_db()
    assert other.remaining == other.amount


def test_expired_coupon_is_refused(product):
    from datetime import timedelta

    from django.utils import timezone

    wallet = WalletFactory(balance=D("100.00"))
    coupon = CashCouponFactory(
        buyer=wallet.buyer, valid_until=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(DomainError):
        charge(wallet.buyer, product, coupons=[coupon.pk])


def test_credit_within_the_limit(product):
    wallet = WalletFactory(credit_limit=D("50.00"))

    paid = charge(wallet.buyer, product, method="credit")

    assert paid == Charge(credit=D("30.00"))
    wallet.refresh_from_db()
    assert (wallet.credit_used, wallet.credit_available) == (D("30.00"), D("20.00"))
    entry = LedgerEntry.objects.get(key="pay:N1:credit")
    assert (entry.amount, entry.balance_after) == (D("-30.00"), D("20.00"))
    with pytest.raises(InsufficientFunds):
        charge(wallet.buyer, product, number="N2", method="credit")


def test_credit_refused_where_not_allowed(product):
    product.credit_line_allowed = False
    product.save()
    wallet = WalletFactory(credit_limit=D("50.00"))
    with pytest.raises(DomainError):
        charge(wallet.buyer, product, method="credit")


def test_credit_for_specified_users_only(product):
    product.credit_specified_users_only = True
    product.save()
    wallet = WalletFactory(credit_limit=D("50.00"))
    assert payment_methods(buyer=wallet.buyer, product=product).credit_allowed is False
    with pytest.raises(DomainError):
        charge(wallet.buyer, product, method="credit")

    AllowlistEntry.objects.create(
        product=product, kind=AllowlistEntry.Kind.CREDIT, user=wallet.buyer
    )

    assert payment_methods(buyer=wallet.buyer, product=product).credit_allowed is True
    assert charge(wallet.buyer, product, method="credit").credit == D("30.00")


def test_payment_methods_lists_usable_coupons(product):
    wallet = WalletFactory(balance=D("5.00"), credit_limit=D("9.00"))
    coupon = CashCouponFactory(buyer=wallet.buyer)
    CashCouponFactory()  # someone else's

    methods = payment_methods(buyer=wallet.buyer, product=product)

    assert methods.balance == D("5.00") and methods.credit_available == D("9.00")
    assert methods.coupons == [coupon]
    product.cash_coupon_allowed = False
    assert payment_methods(buyer=wallet.buyer, product=product).coupons == []


def test_invalid_method_or_amount(product):
    wallet = WalletFactory(balance=D("100.00"))
    with pytest.raises(DomainError):
        charge(wallet.buyer, product, method="cash")
    with pytest.raises(DomainError):
        charge(wallet.buyer, product, amount="-1")


# --- refunds ------------------------------------------------------------------------------


def test_full_refund_goes_back_to_each_source(product):
    wallet = WalletFactory(balance=D("100.00"), credit_limit=D("100.00"))
    coupon = CashCouponFactory(buyer=wallet.buyer, amount=D("10.00"))
    paid = charge(wallet.buyer, product, method="credit", coupons=[coupon.pk])
    assert paid == Charge(credit=D("20.00"), coupon=D("10.00"))

    back = payment_refund(
        buyer=wallet.buyer, order_number="N1", amount=D("30.00"), paid=paid, key="r1"
    )

    assert back == Charge(credit=D("20.00"), coupon=D("10.00"))
    wallet.refresh_from_db()
    coupon.refresh_from_db()
    assert wallet.credit_used == 0 and wallet.balance == D("100.00")
    assert coupon.remaining == D("10.00") and coupon.status == CashCoupon.Status.ACTIVE


def test_refund_is_idempotent_on_key(product):
    wallet = WalletFactory(balance=D("100.00"))
    paid = charge(wallet.buyer, product)
    first = payment_refund(buyer=wallet.buyer, order_number="N1", amount=D("5"), paid=paid, key="k")
    count = LedgerEntry.objects.count()

    again = payment_refund(buyer=wallet.buyer, order_number="N1", amount=D("5"), paid=paid, key="k")

    assert again == first == Charge(balance=D("5.00"))
    assert LedgerEntry.objects.count() == count
    wallet.refresh_from_db()
    assert wallet.balance == D("75.00")


def test_partial_refunds_fill_credit_then_balance_then_coupons_and_never_more(product):
    wallet = WalletFactory(balance=D("100.00"))
    coupon = CashCouponFactory(buyer=wallet.buyer, amount=D("10.00"))
    paid = charge(wallet.buyer, product, coupons=[coupon.pk])  # 10 coupon + 20 balance
    buyer = wallet.buyer

    one = payment_refund(buyer=buyer, order_number="N1", amount=D("15"), paid=paid, key="a")
    two = payment_refund(buyer=buyer, order_number="N1", amount=D("10"), paid=paid, key="b")

    assert one == Charge(balance=D("15.00"))
    assert two == Charge(balance=D("5.00"), coupon=D("5.00"))
    with pytest.raises(DomainError):
        payment_refund(buyer=buyer, order_number="N1", amount=D("5.01"), paid=paid, key="c")
    assert payment_refund(
        buyer=buyer, order_number="N1", amount=D("5"), paid=paid, key="d"
    ) == Charge(coupon=D("5.00"))
    wallet.refresh_from_db()
    coupon.refresh_from_db()
    assert wallet.balance == D("100.00") and coupon.remaining == D("10.00")


def test_credit_of_a_repaid_bill_goes_to_the_balance(product):
    wallet = WalletFactory(credit_limit=D("100.00"))
    paid = charge(wallet.buyer, product, method="credit")
    entry = LedgerEntry.objects.get(key="pay:N1:credit")
    # The bill of that month was repaid: the credit is back already (repayment).
    CreditBill.objects.create(
        buyer=wallet.buyer,
        period=period_of(entry.created_at),
        amount=D("30.00"),
        status=CreditBill.Status.REPAID,
        due_at=entry.created_at,
    )
    Wallet.objects.filter(pk=wallet.pk).update(credit_used=0)

    back = payment_refund(buyer=wallet.buyer, order_number="N1", amount=D("30"), paid=paid, key="r")

    assert back == Charge(balance=D("30.00"))
    wallet.refresh_from_db()
    assert wallet.balance == D("30.00") and wallet.credit_used == 0
    assert LedgerEntry.objects.get(key="refund:r:credit-to-balance").account == "balance"


def test_credit_refund_lowers_an_open_bill(product):
    wallet = WalletFactory(credit_limit=D("100.00"))
    paid = charge(wallet.buyer, product, method="credit")
    entry = LedgerEntry.objects.get(key="pay:N1:credit")
    bill = CreditBill.objects.create(
        buyer=wallet.buyer, period=period_of(entry.created_at), amount=D("30.00"),
        due_at=entry.created_at,
    )  # fmt: skip

    back = payment_refund(buyer=wallet.buyer, order_number="N1", amount=D("10"), paid=paid, key="r")

    assert back == Charge(credit=D("10.00"))
    bill.refresh_from_db()
    wallet.refresh_from_db()
    assert bill.amount == D("20.00") and wallet.credit_used == D("20.00")


# --- operators ------------------------------------------------------------------------------


def test_operator_top_up_needs_the_permission():
    buyer = UserFactory()
    with pytest.raises(PermissionDenied):
        wallet_operator_top_up(buyer=buyer, amount=D("10"), actor=SupportFactory(), memo="x")
    entry = wallet_operator_top_up(
        buyer=buyer, amount=D("10"), actor=FinanceFactory(), memo="Bank transfer 123"
    )
    assert entry.kind == "operator_top_up" and entry.balance_after == D("10.00")
    assert wallet_for(buyer).balance == D("10.00")
    with pytest.raises(DomainError):
        wallet_operator_top_up(buyer=buyer, amount=D("0"), actor=FinanceFactory(), memo="x")
    with pytest.raises(DomainError):
        wallet_operator_top_up(buyer=buyer, amount=D("5"), actor=FinanceFactory(), memo=" ")


def test_credit_limit_never_below_credit_used(product):
    wallet = WalletFactory(credit_limit=D("100.00"))
    charge(wallet.buyer, product, method="credit")
    finance = FinanceFactory()

    with pytest.raises(PermissionDenied):
        wallet_set_credit_limit(buyer=wallet.buyer, limit=D("50"), actor=SupportFactory())
    with pytest.raises(DomainError):
        wallet_set_credit_limit(buyer=wallet.buyer, limit=D("29.99"), actor=finance)

    assert wallet_set_credit_limit(
        buyer=wallet.buyer, limit=D("30"), actor=finance
    ).credit_limit == D("30.00")

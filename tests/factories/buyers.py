"""Factories for the buyer's money: wallets, cash coupons, top-ups, credit bills, and the
seller vouchers buyers receive.

Money factories write the ledger entries the money came with, so that `ledger_check`
passes on factory data: `WalletFactory(balance=100)` is a wallet topped up by 100,
`CashCouponFactory(amount=20)` a coupon issued for 20.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from buyers.models import CashCoupon, CreditBill, LedgerEntry, TopUp, Voucher, VoucherGrant, Wallet
from tests.factories.accounts import UserFactory
from tests.factories.sellers import ActiveSellerFactory


class WalletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wallet
        django_get_or_create = ("buyer",)
        skip_postgeneration_save = True

    buyer = factory.SubFactory(UserFactory)
    balance = Decimal("0.00")
    credit_limit = Decimal("0.00")

    @factory.post_generation
    def _ledger(obj, create, extracted, **kwargs):
        if create and obj.balance:
            LedgerEntry.objects.create(
                wallet=obj,
                account=LedgerEntry.Account.BALANCE,
                kind=LedgerEntry.Kind.OPERATOR_TOP_UP,
                amount=obj.balance,
                balance_after=obj.balance,
                key=f"factory:{uuid.uuid4().hex}",
                memo="factory",
            )


class CashCouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CashCoupon
        skip_postgeneration_save = True

    buyer = factory.SubFactory(UserFactory)
    amount = Decimal("20.00")
    remaining = factory.LazyAttribute(lambda c: c.amount)
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    valid_until = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    note = "Welcome coupon"

    @factory.post_generation
    def _ledger(obj, create, extracted, **kwargs):
        if create:
            wallet, _ = Wallet.objects.get_or_create(buyer=obj.buyer)
            LedgerEntry.objects.create(
                wallet=wallet,
                account=LedgerEntry.Account.COUPON,
                kind=LedgerEntry.Kind.COUPON_ISSUE,
                amount=obj.remaining,
                balance_after=obj.remaining,
                key=f"coupon:{obj.pk}:issue",
                coupon=obj,
            )


class TopUpFactory(factory.django.DjangoModelFactory):
    """A pending top-up (nothing moved yet)."""

    class Meta:
        model = TopUp

    buyer = factory.SubFactory(UserFactory)
    amount = Decimal("100.00")
    provider = "sandbox"


class CreditBillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditBill

    buyer = factory.SubFactory(UserFactory)
    period = "2026-01"
    amount = Decimal("50.00")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=15))


class VoucherFactory(factory.django.DjangoModelFactory):
    """A seller's voucher of 10.00, valid from yesterday for 30 days, for all its products."""

    class Meta:
        model = Voucher

    seller = factory.SubFactory(ActiveSellerFactory)
    name = factory.Sequence(lambda n: f"Voucher {n}")
    amount = Decimal("10.00")
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    valid_until = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class VoucherGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoucherGrant

    voucher = factory.SubFactory(VoucherFactory)
    buyer = factory.SubFactory(UserFactory)

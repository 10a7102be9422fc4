"""`seed_settlement` (run by `seed_demo` last): fee policies in two versions, the
acceleration tiers, a partner bound to buyer-chen, last month's paid orders and the
billing run of last month — a bill with a fee, a carry-over below 1,000 yuan and partner
share lines; idempotent. (Slow: one test, one seed.)"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from buyers.models import LedgerEntry
from buyers.services.periods import previous_period
from marketplace.catalog.models import DeliveryType
from orders.models import Order
from settlement.checks import bill_line_mismatches
from settlement.models import (
    AccelerationTier,
    Bill,
    BillLine,
    CarryOver,
    FeePolicy,
    Partner,
    PartnerBinding,
    PartnerShareBill,
    PartnerTerms,
    SettlementRun,
)
from settlement.rules import MIN_BILLABLE

pytestmark = pytest.mark.django_db

SETTLEMENT_MODELS = (
    FeePolicy,
    AccelerationTier,
    Partner,
    PartnerBinding,
    PartnerTerms,
    SettlementRun,
    Bill,
    BillLine,
    CarryOver,
    PartnerShareBill,
)


def _state() -> dict:
    """Everything the settlement seed writes, to compare two runs."""
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in SETTLEMENT_MODELS}
    return {**state, "orders": Order.objects.count(), "ledger": LedgerEntry.objects.count()}


def seed_twice() -> dict:
    out = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", stdout=out)
    first = _state()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", stdout=out)
    return {"out": out.getvalue(), "first": first}


def _replication_role(role: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET session_replication_role = {role}")


@pytest.fixture(scope="module")
def _triggers_back_on(django_db_setup, django_db_blocker):
    """Set up before `module_data`, torn down after it: see `_seeded`."""
    yield
    with django_db_blocker.unblock():
        _replication_role("origin")


@pytest.fixture(scope="module")
def _seeded(_triggers_back_on, module_data, django_db_blocker):
    """Seeded twice, once for the module (tests/conftest.py, `module_data`)."""
    yield module_data.build(seed_twice)
    # The supervision log's append-only trigger refuses the clean-up's deletes on
    # PostgreSQL (as in tests/supervision/test_seed.py): triggers off for it.
    with django_db_blocker.unblock():
        _replication_role("replica")


@pytest.fixture
def seeded(_seeded, module_data, db, settings, _media_root):
    return module_data.copy(_seeded, settings)


def test_seed_demo_leaves_last_months_bills_with_a_fee_a_carry_over_and_partner_shares(seeded):
    out = seeded["out"]
    assert "seed_settlement: 5 orders paid last month (8300.00 yuan)" in out
    assert "billed already, nothing to do" in out
    assert _state() == seeded["first"]  # the second run changed nothing

    # The operators' tables: two versions of every type (one past, one in force now).
    now = timezone.now()
    for product_type in DeliveryType.values:
        versions = FeePolicy.objects.filter(product_type=product_type)
        assert versions.count() == 2 and all(v.effective_from < now for v in versions)
    tiers = AccelerationTier.objects.order_by("gmv_threshold")
    assert [(t.code, t.gmv_threshold) for t in tiers] == [
        ("silver", Decimal("100000.00")),
        ("gold", Decimal("2000000.00")),
        ("diamond", Decimal("5000000.00")),
    ]

    # The partner: an account that signs in, bound to buyer-chen, terms in both modes.
    partner = Partner.objects.get()
    user = partner.user
    assert user.is_active and user.email_verified_at and user.check_password("demo-pass-2026")
    assert partner.bindings.get().buyer.username == "buyer-chen"
    assert set(partner.terms.values_list("mode", flat=True)) == {"price_share", "floor_price"}

    # Last month's run: a bill per demo seller, a fee on each, partner shares.
    period = previous_period()
    bills = {
        (b.seller.user.username, b.product_type): b for b in Bill.objects.filter(period=period)
    }
    licences = bills["seller-cloudnova", DeliveryType.LICENSE_AUTO]
    assert (licences.gross_total, licences.fee_total) == (Decimal("7200.00"), Decimal("360.00"))
    # 3,600.00 × 10 % ÷ 1.13 × 1.06 = 337.70 (price share), the other line has no partner.
    assert licences.partner_total == Decimal("337.70")
    assert licences.net_total == Decimal("6502.30")
    images = bills["seller-datamill", DeliveryType.IMAGE]
    floor = images.lines.filter(partner_mode=PartnerTerms.Mode.FLOOR_PRICE)
    # (900.00 − 20.00 × 3) × 20 % ÷ 1.13 × 1.06 = 157.59; (120.00 − 20.00 × 4) → 7.50.
    assert sorted(floor.values_list("partner_amount", flat=True)) == [
        Decimal("7.50"),
        Decimal("157.59"),
    ]
    assert images.fee_total == Decimal("30.60")
    # The API package (80.00) stays below 1,000 yuan: carried over, not billed.
    carried = CarryOver.objects.get(period=period)
    assert carried.product_type == DeliveryType.API_APIG
    assert carried.seller.user.username == "seller-datamill"
    assert Decimal("0") < carried.amount == Decimal("80.00") < MIN_BILLABLE
    share = PartnerShareBill.objects.get(partner=partner, period=period)
    assert (share.line_count, share.share_total) == (3, Decimal("502.79"))
    assert SettlementRun.objects.get().status == SettlementRun.Status.FINISHED
    assert list(bill_line_mismatches()) == []

"""Issue 12 §3 and › Bad input and faults: a rerun creates and changes nothing; a run
interrupted half-way is completed by the next one with no duplicate line; runs for a
future, current or malformed period are refused with nothing written."""

from decimal import Decimal

import pytest
import time_machine

from marketplace.core.exceptions import DomainError
from orders.models import Order
from settlement.exceptions import SettlementRunInterrupted
from settlement.models import Bill, BillLine, CarryOver, PartnerShareBill, SettlementRun
from settlement.services import run_sql, settlement_run
from tests.factories.accounts import UserFactory
from tests.factories.settlement import (
    FeePolicyFactory,
    PartnerBindingFactory,
    PartnerTermsFactory,
    beijing,
    billable_order,
    settle_product,
)
from tests.settlement.helpers import line_keys, settlement_rows

pytestmark = pytest.mark.django_db
D = Decimal


def make_month(sellers: int = 3):
    """`sellers` sellers with two SaaS orders each in May 2024, one partner-bound buyer,
    one refund, and a seller below the threshold."""
    FeePolicyFactory(ratio=D("0.05"))
    buyer = UserFactory()
    binding = PartnerBindingFactory(buyer=buyer)
    PartnerTermsFactory(partner=binding.partner)
    products = [settle_product() for _ in range(sellers)]
    for i, product in enumerate(products):
        billable_order(product=product, amount="800.00", paid_at=beijing(2024, 5, 2))
        billable_order(
            product=product,
            buyer=buyer,
            amount=f"{700 + i}.50",
            refunded_amount="100.00" if i == 0 else "0.00",
            paid_at=beijing(2024, 5, 20),
        )
    small = settle_product()
    billable_order(product=small, amount="10.00", paid_at=beijing(2024, 5, 3))
    return products


def test_a_rerun_creates_nothing_and_changes_nothing():
    make_month()
    first = settlement_run(period="2024-05")
    assert (first.bills_created, first.lines_created, first.refund_lines_created) == (3, 7, 1)
    assert (first.carry_overs_created, first.share_bills_created) == (1, 1)
    before = settlement_rows()

    again = settlement_run(period="2024-05")
    assert (again.status, again.bills_created, again.lines_created) == ("finished", 0, 0)
    assert (again.carry_overs_created, again.share_bills_created) == (0, 0)
    assert settlement_rows() == before


def test_a_refund_after_the_run_waits_for_the_next_period():
    products = make_month()
    settlement_run(period="2024-05")
    before = settlement_rows()
    order = Order.objects.filter(product=products[1]).first()
    Order.objects.filter(pk=order.pk).update(refunded_amount=D("50.00"))
    settlement_run(period="2024-05")
    assert settlement_rows() == before  # the seller's May bill is final
    billable_order(product=products[1], amount="2000.00", paid_at=beijing(2024, 6, 1))
    settlement_run(period="2024-06")
    assert BillLine.objects.get(order=order, kind="refund").bill.period == "2024-06"


def test_an_interrupted_run_is_completed_by_the_next_with_the_same_result():
    make_month()
    with pytest.raises(SettlementRunInterrupted):
        settlement_run(period="2024-05", fail_after=2, batch_size=1)
    crashed = SettlementRun.objects.get()
    assert crashed.status == "failed" and "injected" in crashed.error
    assert crashed.sellers_done == 2
    assert crashed.finished_at is not None
    half = Bill.objects.count()
    assert 0 < half < 3
    assert not PartnerShareBill.objects.exists()  # made only once every seller is done
    half_lines = line_keys()

    resumed = settlement_run(period="2024-05")
    assert resumed.status == "finished"
    assert Bill.objects.count() == 3
    assert set(half_lines) <= set(line_keys())  # the first bills are untouched
    completed = line_keys()
    assert len(completed) == len(set(completed)) == 7
    assert PartnerShareBill.objects.count() == 1

    # The same as a run that never crashed.
    BillLine.objects.filter(kind="refund").delete()
    for model in (BillLine, Bill, CarryOver, PartnerShareBill, SettlementRun):
        model.objects.all().delete()
    settlement_run(period="2024-05")
    assert line_keys() == completed


def test_a_failure_inside_a_batch_leaves_nothing_of_it(monkeypatch):
    make_month()

    def broken(self, cursor, bill_ids):
        raise RuntimeError("disk full")

    monkeypatch.setattr(run_sql.BillingSql, "update_totals", broken)
    with pytest.raises(RuntimeError):
        settlement_run(period="2024-05")
    assert not Bill.objects.exists() and not BillLine.objects.exists()
    assert not CarryOver.objects.exists()
    assert SettlementRun.objects.get().status == "failed"
    monkeypatch.undo()
    settlement_run(period="2024-05")
    assert BillLine.objects.count() == 7


def test_a_seller_run_then_the_full_run():
    products = make_month()
    one = settlement_run(period="2024-05", seller=products[0].seller)
    assert list(Bill.objects.values_list("seller", flat=True)) == [products[0].seller_id]
    assert one.share_bills_created == 0
    before = line_keys()
    settlement_run(period="2024-05")
    assert set(before) <= set(line_keys())
    assert Bill.objects.count() == 3 and BillLine.objects.count() == 7


@pytest.mark.parametrize(
    "period", ["2026-12", "2027-01", "2024-13", "24-05", "2024-5", "", "abcd-ef", None]
)
def test_bad_periods_are_refused_with_nothing_written(period):
    make_month()
    with time_machine.travel(beijing(2026, 12, 3, 12), tick=False), pytest.raises(DomainError):
        settlement_run(period=period)
    assert not SettlementRun.objects.exists()
    assert not Bill.objects.exists() and not CarryOver.objects.exists()


def test_the_month_just_ended_may_be_billed_on_the_first():
    make_month()
    with time_machine.travel(beijing(2024, 6, 1, 0, 0, 1), tick=False):
        assert settlement_run(period="2024-05").status == "finished"
    with time_machine.travel(beijing(2024, 5, 31, 23, 59), tick=False), pytest.raises(DomainError):
        settlement_run(period="2024-05")


def test_an_operator_needs_the_permission():
    from marketplace.core.exceptions import PermissionDenied
    from tests.factories.accounts import FinanceFactory, SupportFactory

    make_month()
    support = SupportFactory()
    if support.has_perm("settlement.run_settlement"):
        pytest.skip("support may run settlement here")
    with pytest.raises(PermissionDenied):
        settlement_run(period="2024-05", actor=support)
    assert not SettlementRun.objects.exists()
    finance = FinanceFactory(is_superuser=True)
    run = settlement_run(period="2024-05", actor=finance, source="admin")
    assert (run.actor, run.source) == (finance, "admin")

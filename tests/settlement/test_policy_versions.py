"""06 › Policy versions, the seed's example: a policy effective 2024-03-01 00:00 Beijing
time. Old ratio 5%, new ratio 8% (SaaS)."""

from decimal import Decimal

import pytest

from settlement.models import BillLine
from settlement.services import settlement_run
from tests.factories.settlement import (
    FeePolicyFactory,
    beijing,
    billable_order,
    case_for,
    settle_product,
)

pytestmark = pytest.mark.django_db

CHANGE = beijing(2024, 3, 1)


@pytest.fixture
def policies():
    old = FeePolicyFactory(ratio=Decimal("0.05"), effective_from=beijing(2020, 1, 1))
    new = FeePolicyFactory(ratio=Decimal("0.08"), effective_from=CHANGE)
    return old, new


def line_of(order) -> BillLine:
    return BillLine.objects.select_related("bill").get(order=order, kind="normal")


def test_orders_around_the_change_settle_under_the_policy_of_their_time(policies):
    old, new = policies
    product = settle_product()
    before = billable_order(product=product, amount="1000.00", paid_at=beijing(2024, 2, 20))
    last_second = billable_order(
        product=product, amount="2000.00", paid_at=beijing(2024, 2, 29, 23, 59, 59)
    )
    # A renewal paid before the change, effective after it: the old policy.
    renewal_early = billable_order(
        product=product,
        kind="renewal",
        amount="1000.10",
        paid_at=beijing(2024, 2, 25),
        effective_at=beijing(2024, 3, 10),
    )
    # Still in supervision across the change: effective before, completed after.
    supervised = billable_order(product=product, amount="1500.00", paid_at=beijing(2024, 2, 15))
    case = case_for(supervised)
    # At the change and after it: the new policy, for new orders and renewals alike.
    at_change = billable_order(product=product, amount="1000.00", paid_at=CHANGE)
    after = billable_order(product=product, amount="1234.56", paid_at=beijing(2024, 3, 5))
    renewal_after = billable_order(
        product=product,
        kind="renewal",
        amount="1000.00",
        paid_at=beijing(2024, 3, 2),
        effective_at=beijing(2024, 3, 15),
    )

    settlement_run(period="2024-02")
    assert line_of(before).fee_policy == old
    assert line_of(last_second).fee_policy == old
    assert not BillLine.objects.filter(order__in=[renewal_early, supervised]).exists()

    case.status, case.completed_at = "completed", beijing(2024, 3, 20)
    case.save()
    settlement_run(period="2024-03")

    expected = {
        # order: (policy, ratio, gross, fee) — fee = gross × ratio, half up to the cent
        before: (old, "0.050000", "1000.00", "50.00"),
        last_second: (old, "0.050000", "2000.00", "100.00"),
        renewal_early: (old, "0.050000", "1000.10", "50.01"),  # 50.005 → 50.01
        supervised: (old, "0.050000", "1500.00", "75.00"),
        at_change: (new, "0.080000", "1000.00", "80.00"),
        after: (new, "0.080000", "1234.56", "98.76"),  # 98.7648 → 98.76
        renewal_after: (new, "0.080000", "1000.00", "80.00"),
    }
    for order, (policy, ratio, gross, fee) in expected.items():
        line = line_of(order)
        assert (line.fee_policy, line.fee_ratio, line.gross, line.fee) == (
            policy,
            Decimal(ratio),
            Decimal(gross),
            Decimal(fee),
        ), order.kind
        assert line.seller_net == line.gross - line.fee
    assert line_of(before).bill.period == "2024-02"
    assert line_of(supervised).bill.period == "2024-03"
    assert line_of(renewal_early).policy_at == renewal_early.paid_at
    assert line_of(supervised).policy_at == supervised.effective_at


def test_a_case_still_open_after_the_period_keeps_the_order_out(policies):
    product = settle_product()
    billable_order(product=product, amount="1000.00", paid_at=beijing(2024, 2, 1))
    supervised = billable_order(product=product, amount="1000.00", paid_at=beijing(2024, 2, 2))
    # Completed after the end of February: not eligible in February's run, even when
    # that run happens later.
    case_for(supervised, completed_at=beijing(2024, 3, 1, 0, 0, 1))
    settlement_run(period="2024-02")
    assert not BillLine.objects.filter(order=supervised).exists()
    settlement_run(period="2024-03")
    line = line_of(supervised)
    assert line.bill.period == "2024-03"
    assert line.fee_ratio == Decimal("0.05")  # effective in February: the old policy
    assert line.carried_over is False  # eligible since March 1 00:00:01

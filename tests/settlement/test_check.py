"""`manage.py settlement_check`: every line re-derived from its order, every bill from its
lines; a line or a total altered by hand is reported and the command fails."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orders.models import Order
from settlement.checks import bill_line_mismatches
from settlement.models import Bill, BillLine
from tests.settlement.test_run_idempotency import make_month

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def billed():
    make_month()
    call_command("settlement_run", "--period", "2024-05", stdout=StringIO())
    return BillLine.objects.order_by("id")


def check() -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("settlement_check", stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc.returncode
    return out.getvalue(), 0


def test_a_consistent_database_passes(billed):
    out, code = check()
    assert code == 0 and "consistent" in out
    assert BillLine.objects.filter(kind="refund").exists()
    assert BillLine.objects.exclude(partner=None).exists()


def test_a_line_altered_by_hand_is_reported(billed):
    line = billed.filter(kind="normal").first()
    BillLine.objects.filter(pk=line.pk).update(fee=line.fee + D("0.01"))
    out, code = check()
    assert code == 1
    assert f"bill {line.bill_id} line {line.pk}: fee is {line.fee + D('0.01')}" in out
    # And its bill's fee total is no longer the sum of its lines.
    assert f"bill {line.bill_id}: fee_total" in out and out.count("MISMATCH") == 2


def test_a_total_altered_by_hand_is_reported(billed):
    bill = Bill.objects.first()
    Bill.objects.filter(pk=bill.pk).update(net_total=bill.net_total - 1)
    out, code = check()
    assert code == 1 and f"bill {bill.pk}: net_total" in out


def test_an_order_changed_after_billing_is_reported(billed):
    line = billed.filter(kind="normal").first()
    Order.objects.filter(pk=line.order_id).update(amount=line.gross + 1)
    mismatches = list(bill_line_mismatches(period="2024-05"))
    assert {m.field for m in mismatches} >= {"gross"}


def test_a_refund_line_altered_by_hand_is_reported(billed):
    refund = billed.get(kind="refund")
    BillLine.objects.filter(pk=refund.pk).update(seller_net=refund.seller_net - 1)
    assert [m.field for m in bill_line_mismatches()] == ["seller_net", "net_total"]

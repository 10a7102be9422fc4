"""Credit bills seen from the orders (03-orders › Order kinds and states: paid on
credit → repaid once the buyer repays the whole month's credit bill).

The money lives in `buyers.services.credit`; this module adds what repaying does to the
orders: every order of the buyer paid on credit in the bill's month moves
`payment_status` paid_on_credit → repaid (PAYMENT_STATUS "repay", a history row,
`repaid_at`), which settlement reads.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from buyers.models import CreditBill
from buyers.services.credit import credit_bill_pay, credit_bills_create, credit_payments_of
from marketplace.core.audit import move_to
from orders.models import PAYMENT_STATUS, Order


def credit_bills_issue(*, period: str) -> int:
    """Issue the credit bills of `period` ("YYYY-MM", a finished Beijing month); the
    number issued now. Idempotent (the monthly beat job may run more than once)."""
    return credit_bills_create(period=period)


@transaction.atomic
def credit_bill_repay(*, bill: CreditBill, buyer) -> CreditBill:
    """Repay `bill` from the buyer's balance and mark that month's credit orders repaid.
    InsufficientFunds when the balance is short; DomainError when the bill is not the
    buyer's or already repaid. All or nothing."""
    bill = credit_bill_pay(bill=bill, buyer=buyer)
    numbers = credit_payments_of(bill.period).filter(wallet__buyer=buyer).values("order_number")
    orders = Order.objects.select_for_update().filter(
        buyer=buyer, number__in=numbers, payment_status=Order.PaymentStatus.PAID_ON_CREDIT
    )
    now = timezone.now()
    for order in orders.order_by("pk"):
        target = PAYMENT_STATUS.check(order, "repay")
        order.repaid_at = now
        move_to(
            order,
            target,
            action="repay",
            actor=buyer,
            field="payment_status",
            also_save=["repaid_at"],
        )
    return bill

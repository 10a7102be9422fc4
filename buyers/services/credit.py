"""The credit line 信用额度 (03-orders › Pay: post-paid, must be repaid).

Spending and giving back credit are wallet movements (`wallet.payment_charge` /
`payment_refund`). Once a month the bill of the previous Beijing month is issued per
buyer: what the buyer paid on credit that month, minus what refunds of those orders gave
back before the bill was issued (a refund after that lowers the open bill, see
`wallet.payment_refund`). The buyer repays the whole bill from the balance; the orders
side (`orders.services.credit.credit_bill_repay`) then marks that month's credit orders
repaid. Bills are due CREDIT_BILL_DUE_DAYS after the month ends (decided here: by the
15th of the next month); nothing is blocked when a bill is overdue yet.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from buyers.models import CreditBill, LedgerEntry
from marketplace.core.exceptions import DomainError
from marketplace.core.notifications import notify

from .periods import period_bounds, valid_period
from .wallet import ZERO, move_balance, move_credit, wallet_for

CREDIT_BILL_DUE_DAYS = 15


def credit_payments_of(period: str):
    """The CREDIT payment entries of a Beijing month."""
    start, end = period_bounds(period)
    return LedgerEntry.objects.filter(
        account=LedgerEntry.Account.CREDIT,
        kind=LedgerEntry.Kind.PAYMENT,
        created_at__gte=start,
        created_at__lt=end,
    )


def credit_bill_totals(*, period: str) -> dict[int, Decimal]:
    """What each buyer owes for `period` (buyer id → amount > 0), in one aggregate query:
    the month's credit payments plus the credit refunds of those same orders."""
    numbers = credit_payments_of(period).values("order_number")
    rows = (
        LedgerEntry.objects.filter(
            account=LedgerEntry.Account.CREDIT,
            kind__in=[LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND],
            order_number__in=numbers,
        )
        .values("wallet__buyer_id")
        .annotate(total=Sum("amount"))
    )
    return {row["wallet__buyer_id"]: -row["total"] for row in rows if row["total"] < 0}


def credit_bills_create(*, period: str, now: dt.datetime | None = None) -> int:
    """Issue the bills of `period` (a finished month); the number issued now. Idempotent:
    a buyer's bill for a month is unique, so running again issues only what is missing."""
    now = now or timezone.now()
    if not valid_period(period):
        raise DomainError(_("A month is written YYYY-MM."))
    _start, end = period_bounds(period)
    if end > now:
        raise DomainError(_("A month's credit bill is issued once the month is over."))
    due_at = end + dt.timedelta(days=CREDIT_BILL_DUE_DAYS) - dt.timedelta(seconds=1)
    issued = 0
    for buyer_id, amount in credit_bill_totals(period=period).items():
        try:
            with transaction.atomic():
                bill, created = CreditBill.objects.get_or_create(
                    buyer_id=buyer_id, period=period, defaults={"amount": amount, "due_at": due_at}
                )
                if created:
                    notify(
                        user=bill.buyer,
                        template="credit_bill_issued",
                        context={
                            "period": period,
                            "amount": str(amount),
                            "due": date_format(timezone.localtime(due_at), "Y-m-d"),
                        },
                        key=f"credit_bill_issued:{bill.pk}",
                    )
        except IntegrityError:
            created = False  # issued at the same moment by another run
        issued += created
    return issued


@transaction.atomic
def credit_bill_pay(*, bill: CreditBill, buyer) -> CreditBill:
    """The money of repaying `bill`: balance − amount, credit + amount (two
    CREDIT_REPAYMENT entries); the bill is repaid. InsufficientFunds if the balance is
    short; DomainError if the bill is not the buyer's or not open."""
    bill = CreditBill.objects.select_for_update().filter(pk=bill.pk, buyer=buyer).first()
    if bill is None:
        raise DomainError(_("There is no such bill."))
    if bill.status != CreditBill.Status.OPEN:
        raise DomainError(_("This bill is already repaid."))
    wallet = wallet_for(buyer)
    if bill.amount > ZERO:
        kind = LedgerEntry.Kind.CREDIT_REPAYMENT
        common = {"credit_bill": bill, "actor": buyer, "memo": bill.period}
        move_balance(
            wallet.pk, -bill.amount, kind=kind, key=f"credit_repay:{bill.pk}:balance", **common
        )
        move_credit(
            wallet.pk, bill.amount, kind=kind, key=f"credit_repay:{bill.pk}:credit", **common
        )
    bill.status = CreditBill.Status.REPAID
    bill.repaid_at = timezone.now()
    bill.save(update_fields=["status", "repaid_at"])
    return bill

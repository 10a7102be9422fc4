"""Cash coupons 现金券: issued by an operator (finance) to one buyer, spent like balance
where the product accepts them (see `wallet.payment_charge`), revoked by an operator.

A coupon's money is on the ledger's COUPON account: issuing writes +amount
(COUPON_ISSUE), payments and refunds move it, revoking writes −remaining
(COUPON_REVOKE), so `remaining` always equals the sum of the coupon's entries.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from buyers.models import CashCoupon, LedgerEntry
from marketplace.core.exceptions import DomainError
from marketplace.core.money import to_money
from marketplace.core.notifications import notify
from marketplace.core.permissions import check_operator_permission

from .wallet import MAX_OPERATOR_AMOUNT, move_coupon, wallet_for

PERMISSION = "buyers.issue_cash_coupon"


@transaction.atomic
def cash_coupon_issue(
    *, buyer, amount: Decimal, valid_from, valid_until, actor, note: str = ""
) -> CashCoupon:
    """Give `buyer` a cash coupon of `amount`, usable from `valid_from` until `valid_until`."""
    check_operator_permission(actor, PERMISSION, _("You may not issue cash coupons."))
    amount = to_money(amount)
    if amount <= 0 or amount > MAX_OPERATOR_AMOUNT:
        raise DomainError(
            _("The amount must be more than 0 and at most %(max)s.") % {"max": MAX_OPERATOR_AMOUNT}
        )
    if valid_until <= valid_from or valid_until <= timezone.now():
        raise DomainError(_("The coupon must be valid until a later time, in the future."))
    wallet = wallet_for(buyer)
    coupon = CashCoupon.objects.create(
        buyer=buyer,
        amount=amount,
        remaining=0,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_by=actor,
        note=(note or "").strip()[:200],
    )
    move_coupon(
        wallet.pk,
        coupon.pk,
        amount,
        kind=LedgerEntry.Kind.COUPON_ISSUE,
        key=f"coupon:{coupon.pk}:issue",
        actor=actor,
        memo=coupon.note,
    )
    coupon.refresh_from_db()
    notify(
        user=buyer,
        template="cash_coupon_issued",
        context={
            "amount": str(amount),
            "valid_until": date_format(timezone.localtime(valid_until), "Y-m-d H:i"),
        },
        key=f"cash_coupon_issued:{coupon.pk}",
    )
    return coupon


@transaction.atomic
def cash_coupon_revoke(*, coupon_id: int, actor, reason: str = "") -> CashCoupon:
    """Take back what is left of an active (or used-up) coupon; it can't be used again."""
    check_operator_permission(actor, PERMISSION, _("You may not revoke cash coupons."))
    coupon = CashCoupon.objects.select_for_update().get(pk=coupon_id)
    if coupon.status == CashCoupon.Status.REVOKED:
        raise DomainError(_("This cash coupon is already revoked."))
    wallet = wallet_for(coupon.buyer)
    if coupon.remaining:
        move_coupon(
            wallet.pk,
            coupon.pk,
            -coupon.remaining,
            kind=LedgerEntry.Kind.COUPON_REVOKE,
            key=f"coupon:{coupon.pk}:revoke",
            actor=actor,
            memo=(reason or "").strip()[:200],
        )
    CashCoupon.objects.filter(pk=coupon.pk).update(status=CashCoupon.Status.REVOKED)
    coupon.refresh_from_db()
    return coupon

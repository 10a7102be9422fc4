"""Wallet top-ups through a payment provider (buyers.payments).

`top_up_start` records a pending TopUp; the view then asks the provider for the page to
send the buyer to (outside the transaction: a real provider is a network call).
`top_up_complete` is what the provider's verified notification does: it credits the
balance once. Idempotent on the provider's transaction id (a unique column): the same
notification again changes nothing and still answers success, so a provider that
retries after a lost answer is satisfied.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buyers.models import LedgerEntry, TopUp
from marketplace.core.exceptions import DomainError
from marketplace.core.money import to_money
from marketplace.core.notifications import notify

from .wallet import move_balance, wallet_for

MIN_TOP_UP = Decimal("1.00")
MAX_TOP_UP = Decimal("1000000.00")


class UnknownTopUp(DomainError):
    pass


@transaction.atomic
def top_up_start(*, buyer, amount: Decimal, provider: str) -> TopUp:
    """A pending top-up of `amount` for `buyer` through `provider`."""
    amount = to_money(amount)
    if not MIN_TOP_UP <= amount <= MAX_TOP_UP:
        raise DomainError(
            _("A top-up must be between %(min)s and %(max)s.")
            % {"min": MIN_TOP_UP, "max": MAX_TOP_UP}
        )
    return TopUp.objects.create(buyer=buyer, amount=amount, provider=provider)


@transaction.atomic
def top_up_complete(
    *, provider: str, reference: str, txn_id: str, amount: Decimal, ok: bool
) -> TopUp:
    """Apply a verified provider notification: paid → balance + amount (one TOP_UP
    entry), failed → the top-up is failed. Refused (DomainError, nothing changed): an
    unknown reference, an amount that is not the top-up's, a top-up already completed
    by another transaction, a transaction id already used for another top-up."""
    if not txn_id or len(txn_id) > 64:
        raise DomainError(_("The provider's transaction ID is missing or too long."))
    earlier = TopUp.objects.filter(provider_txn_id=txn_id).first()
    if earlier is not None:
        if earlier.reference != reference or earlier.provider != provider:
            raise DomainError(_("This transaction ID belongs to another top-up."))
        return earlier  # the same notification again: done already
    top_up = (
        TopUp.objects.select_for_update().filter(reference=reference, provider=provider).first()
    )
    if top_up is None:
        raise UnknownTopUp(_("There is no such top-up."))
    if top_up.provider_txn_id == txn_id:
        return top_up  # a concurrent copy of this notification got here first
    if to_money(amount) != top_up.amount:
        raise DomainError(
            _("The amount %(amount)s is not the top-up's %(expected)s.")
            % {"amount": amount, "expected": top_up.amount}
        )
    if top_up.status != TopUp.Status.PENDING:
        raise DomainError(_("This top-up is already completed."))
    top_up.provider_txn_id = txn_id
    top_up.completed_at = timezone.now()
    top_up.status = TopUp.Status.SUCCEEDED if ok else TopUp.Status.FAILED
    top_up.save(update_fields=["provider_txn_id", "completed_at", "status"])
    if ok:
        wallet = wallet_for(top_up.buyer)
        move_balance(
            wallet.pk,
            top_up.amount,
            kind=LedgerEntry.Kind.TOP_UP,
            key=f"top_up:{top_up.reference}",
            top_up=top_up,
        )
        notify(
            user=top_up.buyer,
            template="top_up_succeeded",
            context={"amount": str(top_up.amount), "reference": top_up.reference},
            key=f"top_up_succeeded:{top_up.reference}",
        )
    return top_up

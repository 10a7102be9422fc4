"""Exit 退出云商店: request, withdraw, operator approval, completion once nothing is listed.

A seller with listed products may apply (01 › Exit; issue 6 item 11): the application
asks the operator to delist them (the catalog's `ExitStep` queues a delisting request per
listed product), and the exit completes when nothing is listed any more, in the same
transaction as the last delisting (`seller_complete_exit`). Other exit checks still
refuse the application. Buyers' subscriptions keep running (see the package docstring).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core import limits
from marketplace.core.audit import check_state, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.notifications import notify
from marketplace.core.permissions import check_operator_permission

from .. import exit_checks
from ..models import Seller
from ._common import Status, _bounded, _clean, _lock_seller


@transaction.atomic
def seller_request_exit(*, seller: Seller, actor: User, reason: str = "") -> Seller:
    """The seller asks to leave (active → exit_pending).

    Refused while a registered exit check objects: the message lists every reason.
    Listed products don't refuse it: the registered exit steps start (the operator is asked
    to delist them), and the exit completes when they are done. With nothing to wait for,
    an operator approves it.
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.ACTIVE])
    blocking = exit_checks.blocking_reasons(seller)
    if blocking:
        raise DomainError(
            _("You can't leave the marketplace yet: %(reasons)s") % {"reasons": " ".join(blocking)}
        )
    seller.exit_reason = _bounded("reason", _clean(reason), limits.MAX_REASON_LENGTH)
    move_to(
        seller,
        Status.EXIT_PENDING,
        action="request_exit",
        actor=actor,
        reason=reason,
        also_save=None,
    )
    exit_checks.start_steps(seller, actor)
    return seller


@transaction.atomic
def seller_withdraw_exit(*, seller: Seller, actor: User) -> Seller:
    """The seller changes their mind before the operator decides (exit_pending → active)."""
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.EXIT_PENDING])
    seller.exit_reason = ""
    move_to(seller, Status.ACTIVE, action="withdraw_exit", actor=actor, also_save=None)
    # Open delisting requests are cancelled; what was delisted already stays delisted.
    exit_checks.cancel_steps(seller, actor)
    return seller


@transaction.atomic
def seller_approve_exit(*, seller: Seller, actor: User) -> Seller:
    """Operator confirms the exit (exit_pending → exited). Final: never onboard again.

    The exit checks run again, and nothing may be left to wait for (no listed product).
    Orders in progress keep their obligations (see the package docstring).
    """
    check_operator_permission(
        actor, "sellers.review_exit", _("You don't have the permission to approve exits.")
    )
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.EXIT_PENDING])
    blocking = exit_checks.blocking_reasons(seller) + exit_checks.waiting_reasons(seller)
    if blocking:
        raise DomainError(
            _("The seller can't leave the marketplace yet: %(reasons)s")
            % {"reasons": " ".join(blocking)}
        )
    _exit(seller, actor=actor, action="approve_exit")
    return seller


@transaction.atomic
def seller_complete_exit(*, seller: Seller, actor: User | None) -> bool:
    """Complete a pending exit if nothing holds it any more (exit_pending → exited).

    Called by the domain that finished its exit step, in the same transaction: the
    catalog, when it delists the seller's last listed product. Returns whether the
    seller is now out. Not an operator decision, so no permission is checked: the
    delisting that led here was authorised. Locks the seller, so that of two last
    delistings running at once, the second sees the first and completes.
    """
    seller = _lock_seller(seller)
    if seller.status != Status.EXIT_PENDING:
        return False
    if exit_checks.blocking_reasons(seller) or exit_checks.waiting_reasons(seller):
        return False
    _exit(seller, actor=actor, action="complete_exit")
    return True


def _exit(seller: Seller, *, actor: User | None, action: str) -> None:
    """Final: the account can never onboard again; the seller row stays for its orders."""
    seller.exited_at = timezone.now()
    move_to(seller, Status.EXITED, action=action, actor=actor, also_save=None)
    notify(
        user=seller.user,
        template="seller_exited",
        context={"seller_id": seller.pk, "store_name": seller.store_name},
    )

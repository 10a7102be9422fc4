"""Exit 退出云商店: request, withdraw, operator approval."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core.audit import check_state, move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.notifications import notify

from .. import exit_checks
from ..models import Seller
from ._common import Status, _clean, _lock_seller


@transaction.atomic
def seller_request_exit(*, seller: Seller, actor: User, reason: str = "") -> Seller:
    """The seller asks to leave (active → exit_pending); an operator approves.

    Refused while a registered exit check objects (e.g. products still listed): the
    message lists every reason. See the module docstring for orders in progress.
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.ACTIVE])
    blocking = exit_checks.blocking_reasons(seller)
    if blocking:
        raise DomainError(
            _("You can't leave the marketplace yet: %(reasons)s") % {"reasons": " ".join(blocking)}
        )
    seller.exit_reason = _clean(reason)
    move_to(
        seller,
        Status.EXIT_PENDING,
        action="request_exit",
        actor=actor,
        reason=reason,
        also_save=None,
    )
    return seller


@transaction.atomic
def seller_withdraw_exit(*, seller: Seller, actor: User) -> Seller:
    """The seller changes their mind before the operator decides (exit_pending → active)."""
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.EXIT_PENDING])
    seller.exit_reason = ""
    move_to(seller, Status.ACTIVE, action="withdraw_exit", actor=actor, also_save=None)
    return seller


@transaction.atomic
def seller_approve_exit(*, seller: Seller, actor: User) -> Seller:
    """Operator confirms the exit (exit_pending → exited). Final: never onboard again.

    The exit checks run again, since a product may have been listed in between.
    Orders in progress keep their obligations (see the module docstring).
    """
    seller = _lock_seller(seller)
    check_state(seller, allowed=[Status.EXIT_PENDING])
    blocking = exit_checks.blocking_reasons(seller)
    if blocking:
        raise DomainError(
            _("The seller can't leave the marketplace yet: %(reasons)s")
            % {"reasons": " ".join(blocking)}
        )
    seller.exited_at = timezone.now()
    move_to(seller, Status.EXITED, action="approve_exit", actor=actor, also_save=None)
    notify(
        user=seller.user,
        template="seller_exited",
        context={"seller_id": seller.pk, "store_name": seller.store_name},
    )
    return seller

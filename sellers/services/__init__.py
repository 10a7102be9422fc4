"""Writes on sellers: onboarding, business information, store page, joint-operation
certification, customer-service groups and exit (spec 01-sellers.md).

Every state change locks the row (`select_for_update`), checks its source state with
`check_state`, and writes a `TransitionLog` row with the actor and the reason. Bad input
raises `ValidationError` (keyed by field where there is one); a business rule raises
`DomainError`. Both leave nothing changed, because every service is atomic.
An operator's decision also notifies the seller (`notify`, in the same transaction: the
e-mail goes out after commit, and never for a change that rolled back).

Exit and orders in progress — decision for the spec's open point:
leaving the marketplace ends the seller's ability to sell (no listed product may remain:
the operator delists them after the seller applies, see `sellers.exit_checks`, and an
exited account can never onboard again), but it does
**not** end the obligations of orders already placed. Their subscriptions run to the end
of the paid period, supervision cases go on (the seller still delivers, buyers can still
accept, reject and appeal), and settlement keeps producing the seller's bills and paying
them out. That is why the seller row is never deleted: it only becomes `exited`, and
every order, bill and log row keeps pointing at it.

The package is split by topic; callers import from `sellers.services`.
"""

from ._common import MAX_STORE_IMAGES
from .business_info import business_info_certify, business_info_update
from .exit import (
    seller_approve_exit,
    seller_complete_exit,
    seller_request_exit,
    seller_withdraw_exit,
)
from .joint_certification import (
    joint_certification_approve,
    joint_certification_reject,
    joint_certification_submit,
)
from .onboarding import seller_apply, seller_approve, seller_reject, seller_resubmit
from .service_groups import service_group_create, service_group_delete, service_group_update
from .store import store_page_update

__all__ = [
    "MAX_STORE_IMAGES",
    "seller_apply",
    "seller_resubmit",
    "seller_approve",
    "seller_reject",
    "business_info_certify",
    "business_info_update",
    "store_page_update",
    "joint_certification_submit",
    "joint_certification_approve",
    "joint_certification_reject",
    "service_group_create",
    "service_group_update",
    "service_group_delete",
    "seller_request_exit",
    "seller_withdraw_exit",
    "seller_approve_exit",
    "seller_complete_exit",
]

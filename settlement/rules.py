"""The billing rules of 06 › Monthly billing run, stated once in Python. The billing run
applies them in SQL (`services/run_sql.py`, same names in its comments);
`settlement_check` and `line_explain` use these functions.

Eligibility of an order for the run of period P (all as of the end of P, Beijing time,
so a rerun at any later time decides the same):
1. paid before the end of P and, if any of it was paid on the credit line, repaid
   (payment status "repaid", `repaid_at` before the end of P). Cash coupons are
   marketplace money spent at payment: a coupon-paid order is "paid" (there is no
   repayment to wait for; a coupon + credit order waits for the credit repayment).
   Fully refunded orders (payment status "refunded") are never billed; test orders and
   orders of amount 0 neither.
2. no supervision case, or a completed one (completed before the end of P);
3. effective (`effective_at`) before the end of P — a renewal counts from its
   effective time;
4. the group (seller, product type) of all such unbilled amounts, refunds included,
   reaches `MIN_BILLABLE`; otherwise the group carries over (`CarryOver`).
Refunds (`Order.refunded_amount` as the run finds it) of orders billed — or billed in the
same run — become refund lines of the group's next bill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings

from marketplace.catalog.models import JOINT_TYPES

# 06 rule 4: below this accumulated amount a (seller, product type) group carries over.
MIN_BILLABLE = Decimal(getattr(settings, "SETTLEMENT_MIN_BILLABLE", "1000.00"))
# Bills of these product types need the seller's VAT special invoice to the marketplace
# before payment (06 › Payment request: joint / marketplace-selected products; the
# catalog has no "selected" flag, so it is the joint-operation types).
INVOICE_REQUIRED_TYPES = frozenset(str(t) for t in JOINT_TYPES)


def policy_time(*, kind: str, paid_at: dt.datetime, effective_at: dt.datetime) -> dt.datetime:
    """The instant an order's fee policy, partner binding and partner terms are chosen
    at (06 › Policy versions): its effective time, except a renewal paid before it took
    effect, which keeps what was in force at payment."""
    if kind == "renewal" and paid_at < effective_at:
        return paid_at
    return effective_at


def eligible_since(
    *,
    paid_at: dt.datetime,
    effective_at: dt.datetime,
    repaid_at: dt.datetime | None,
    case_completed_at: dt.datetime | None,
) -> dt.datetime:
    """When the order met every eligibility rule (the latest of its conditions)."""
    return max(paid_at, effective_at, repaid_at or paid_at, case_completed_at or paid_at)


def binding_spans(bindings: Sequence) -> list[tuple[dt.datetime, dt.datetime | None, int]]:
    """[(from, until, partner id)] of one buyer's bindings (sorted by `valid_from`, then
    id): a binding lasts until its `valid_to` or until the buyer's next binding starts,
    whichever comes first — so an order has at most one partner even if bindings were
    entered overlapping (the service refuses that)."""
    spans = []
    for i, binding in enumerate(bindings):
        next_from = bindings[i + 1].valid_from if i + 1 < len(bindings) else None
        ends = [t for t in (binding.valid_to, next_from) if t is not None]
        spans.append((binding.valid_from, min(ends) if ends else None, binding.partner_id))
    return spans


def partner_at(spans: Sequence[tuple], at: dt.datetime) -> int | None:
    for start, until, partner_id in spans:
        if start <= at and (until is None or at < until):
            return partner_id
    return None


def version_at(versions: Sequence, at: dt.datetime):
    """The version (objects with `effective_from`, sorted ascending) in force at `at`."""
    found = None
    for version in versions:
        if version.effective_from <= at:
            found = version
        else:
            break
    return found

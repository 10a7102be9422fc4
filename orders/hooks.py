"""What else happens when an order is paid: a registry of callables that
`orders.services.checkout.order_pay` runs, in the payment's transaction, after the
subscription has been updated (`subscription_apply_paid`).

Supervision (05) registers here, from its app's `ready()`, the hook that opens a
supervision case for the delivery types the marketplace supervises
(`marketplace.catalog.models.SUPERVISED_TYPES`). The hook gets the order and decides:
only new purchases (kinds `new` / `trial`) of a supervised type start a case; renewal,
upgrade and package-repurchase orders must never be passed to supervision (03 › Renew:
"Renewal orders do not start a new supervision case"). Orders sits below supervision in
the import layering, so it can't call supervision itself: the registry is the seam.

A hook runs inside the transaction: it writes rows (and may enqueue its own side
effects with `transaction.on_commit`); an exception in it rolls the payment back.
"""

from __future__ import annotations

from collections.abc import Callable

PaidHook = Callable[[object], None]

_paid_hooks: list[PaidHook] = []


def register_paid_hook(hook: PaidHook) -> PaidHook:
    """Add `hook(order)` to run on every paid order (usable as a decorator); once only."""
    if hook not in _paid_hooks:
        _paid_hooks.append(hook)
    return hook


def unregister_paid_hook(hook: PaidHook) -> None:
    if hook in _paid_hooks:
        _paid_hooks.remove(hook)


def run_paid_hooks(order) -> None:
    """Call every registered hook with the freshly paid `order`, in registration order."""
    for hook in list(_paid_hooks):
        hook(order)

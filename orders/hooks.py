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

Hooks run before the order's row is saved, so that what they change of the order costs
the payment no statement of its own: the order in memory is paid (status, payment status,
`paid_at`, subscription set), its row in the database not yet. A hook may move the order
on by a transition of `ORDER_STATUS` (supervision: paid → processing): it sets
`order.status` (checked by the machine) and returns the move's unsaved history rows
(`orders.services.history.history_row`); `_pay` saves the status in the payment's one
UPDATE and the rows in its one history INSERT. Other fields a hook sets are not saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# hook(order) -> the unsaved history rows of the order's further move (None: none).
PaidHook = Callable[[object], Iterable | None]

_paid_hooks: list[PaidHook] = []


def register_paid_hook(hook: PaidHook) -> PaidHook:
    """Add `hook(order)` to run on every paid order (usable as a decorator); once only."""
    if hook not in _paid_hooks:
        _paid_hooks.append(hook)
    return hook


def unregister_paid_hook(hook: PaidHook) -> None:
    if hook in _paid_hooks:
        _paid_hooks.remove(hook)


def run_paid_hooks(order) -> list:
    """Call every registered hook with the freshly paid `order`, in registration order;
    the unsaved history rows they return, for the caller to save (module docstring)."""
    rows: list = []
    for hook in list(_paid_hooks):
        rows.extend(hook(order) or ())
    return rows

"""What blocks a seller's exit (退出云商店), contributed by the domains above sellers.

Sellers cannot import the catalog (dependencies point downward), so the catalog
registers its own check at start-up, e.g. in its `AppConfig.ready()`::

    from sellers import exit_checks

    def products_still_listed(seller) -> list[str]:
        count = Product.objects.filter(seller=seller, status="listed").count()
        return [ngettext("%(count)d product is still listed: delist it first.", ...)]

    exit_checks.register(products_still_listed)

A check takes the seller and returns a list of translated reasons (empty when it has
nothing against the exit). `seller_request_exit` refuses with all the reasons together,
and `seller_approve_exit` asks again, since things may have changed in between.

Some things the exit *waits for* instead of refusing it: listed products are delisted by
an operator after the seller applies (01 › Exit; issue 6 item 11). Such a domain
registers an `ExitStep`: `start` opens its work when the seller requests the exit (the
catalog queues a delisting request per listed product), `cancel` closes it when the
seller withdraws, and `pending` says what is still to be done. The exit completes when
no step is pending and no check objects: by the operator's approval, or by
`seller_complete_exit`, which the domain calls when it finishes its part (the catalog,
in the transaction that delists the last listed product).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marketplace.accounts.models import User

    from .models import Seller

ExitCheck = Callable[["Seller"], list[str]]
ExitAction = Callable[["Seller", "User | None"], None]


@dataclass(frozen=True)
class ExitStep:
    """Work the exit waits for (see the module docstring)."""

    pending: ExitCheck
    start: ExitAction
    cancel: ExitAction


_checks: list[ExitCheck] = []
_steps: list[ExitStep] = []


def register(check: ExitCheck) -> ExitCheck:
    """Add `check` once (registering twice is harmless); usable as a decorator."""
    if check not in _checks:
        _checks.append(check)
    return check


def unregister(check: ExitCheck) -> None:
    if check in _checks:
        _checks.remove(check)


def blocking_reasons(seller: Seller) -> list[str]:
    """Every reason that the registered checks give against `seller` leaving now."""
    reasons: list[str] = []
    for check in list(_checks):
        reasons.extend(str(reason) for reason in check(seller))
    return reasons


def register_step(step: ExitStep) -> ExitStep:
    """Add `step` once (registering an equal step twice is harmless)."""
    if step not in _steps:
        _steps.append(step)
    return step


def unregister_step(step: ExitStep) -> None:
    if step in _steps:
        _steps.remove(step)


def waiting_reasons(seller: Seller) -> list[str]:
    """What the registered steps still wait for before `seller` can be out."""
    reasons: list[str] = []
    for step in list(_steps):
        reasons.extend(str(reason) for reason in step.pending(seller))
    return reasons


def start_steps(seller: Seller, actor: User | None) -> None:
    """The seller applied to exit: each step opens its work."""
    for step in list(_steps):
        step.start(seller, actor)


def cancel_steps(seller: Seller, actor: User | None) -> None:
    """The seller withdrew the exit: each step closes its open work."""
    for step in list(_steps):
        step.cancel(seller, actor)

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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Seller

ExitCheck = Callable[["Seller"], list[str]]

_checks: list[ExitCheck] = []


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

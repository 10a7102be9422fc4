"""Settlement's exceptions. `DomainError`s carry a translated message for the person
acting; `SettlementRunInterrupted` is the billing run's injected fault (tests, bench)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace.core.exceptions import DomainError


class VersionInForce(DomainError):
    """A fee policy or partner terms version already in force was about to change."""

    def __init__(self) -> None:
        super().__init__(
            _("This version is already in force and can't be changed: add a new version.")
        )


class SettlementRunInterrupted(RuntimeError):
    """Raised by `settlement_run(fail_after=N)` once N sellers are done: a crash between
    two committed batches, to test that a later run completes the period."""


class NotFound(DomainError):
    """Another seller's (or partner's) bill, invoice or share bill, or none at all: the
    same answer either way, so nobody learns what exists."""

    def __init__(self) -> None:
        super().__init__(_("Not found."))

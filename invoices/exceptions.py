"""Why an invoicing operation was refused. Every message is translated and safe to show to
the person acting; nothing was changed when one is raised."""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace.core.exceptions import DomainError


class InvoiceError(DomainError):
    """Base of the refusals below (catch this in views)."""


class InvoiceNotFound(InvoiceError):
    """No such request / order / title, or not the actor's (pages answer 404)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or _("This invoice request doesn't exist."))


class NotInvoiceable(InvoiceError):
    """An order that can't be invoiced now, a mix of sellers or of issuers ..."""


class InvalidInput(InvoiceError):
    """A malformed tax number, a missing reason or tracking number, a bad file ..."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class NotTheIssuer(InvoiceError):
    def __init__(self) -> None:
        super().__init__(
            _("The marketplace issues this invoice (its orders are from before the cut-over).")
        )

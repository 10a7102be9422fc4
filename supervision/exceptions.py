"""Why a supervision operation was refused. Every message is translated and safe to show
to the person acting (`DomainError`); nothing was changed or logged when one is raised."""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace.core.exceptions import DomainError


class SupervisionError(DomainError):
    """Base of the refusals below (catch this in views)."""


class CaseNotFound(SupervisionError):
    """No such case, or not one of the actor's (pages answer 404)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or _("This supervision case doesn't exist."))


class NotYourTurn(SupervisionError):
    """The action is not the actor's at the case's current node (or not in its flow)."""


class CaseFrozen(SupervisionError):
    def __init__(self) -> None:
        super().__init__(
            _("An appeal is open on this case: nothing moves until an operator decides it.")
        )


class CaseFinished(SupervisionError):
    """The case is completed or closed: a second acceptance, an appeal on it ..."""


class InputRequired(SupervisionError):
    """A reason, the requirements, a description, a code, the shipment's details ..."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class EvidenceRejected(SupervisionError):
    """A file of the wrong type (by its content), too large, empty, too many."""


class AppealNotAllowed(SupervisionError):
    pass


class AppealAlreadyDecided(SupervisionError):
    def __init__(self) -> None:
        super().__init__(_("This appeal has already been decided."))


class OperatorPermissionDenied(SupervisionError):
    pass

"""Domain errors. Their messages are translated and safe to show to the person acting."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A business rule refused the operation; `message` says why, in the user's language."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class InvalidTransition(DomainError):
    def __init__(self, *, obj=None, current: str = "") -> None:
        label = current
        if obj is not None and hasattr(obj, "get_status_display"):
            label = obj.get_status_display()
        super().__init__(
            _("This can't be done while the status is “%(status)s”.") % {"status": label}
        )
        self.current = current


class PermissionDenied(DomainError):
    pass

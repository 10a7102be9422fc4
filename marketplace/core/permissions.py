"""Operator permissions, checked by the services themselves (STYLE 16).

The admin hides an action from an operator without its permission (`allowed_permissions`),
but the service is the one path every caller takes (admin, commands, API), so it checks
again. The codenames are declared in the models' `Meta.permissions`; the groups that hold
them (reviewer, support, finance) are created by a data migration (README › Operators).
"""

from __future__ import annotations

from .exceptions import PermissionDenied


def is_operator_with(actor, perm: str) -> bool:
    """An active staff account holding `perm` ("app_label.codename"); superusers hold all."""
    return bool(
        actor is not None
        and getattr(actor, "is_staff", False)
        and getattr(actor, "is_active", False)
        and actor.has_perm(perm)
    )


def check_operator_permission(actor, perm: str, message: str) -> None:
    """Raise `PermissionDenied(message)` unless `actor` is an operator holding `perm`."""
    if not is_operator_with(actor, perm):
        raise PermissionDenied(message)

"""Helpers that every state machine uses to check and record its transitions."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .exceptions import InvalidTransition
from .models import TransitionLog


def check_state(obj: models.Model, *, field: str = "status", allowed: Iterable[str]) -> str:
    """Raise `InvalidTransition` unless `obj.<field>` is one of `allowed`; return it."""
    current = getattr(obj, field)
    if current not in set(allowed):
        raise InvalidTransition(obj=obj, current=current)
    return current


def log_transition(
    obj: models.Model,
    *,
    action: str,
    from_state: str = "",
    to_state: str = "",
    actor=None,
    reason: str = "",
) -> TransitionLog:
    """Append one history row for `obj` (call inside the transaction of the change)."""
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )


def history_for(obj: models.Model):
    """The transition rows of `obj`, oldest first, with their actors."""
    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
    ).select_related("actor")

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


def move_to(
    obj: models.Model,
    to_state: str,
    *,
    action: str,
    actor=None,
    reason: str = "",
    field: str = "status",
    also_save: Iterable[str] | None = (),
) -> str:
    """Set `obj.<field>` to `to_state`, save it with the `also_save` fields the caller set
    (None: save every field) and append the history row; return the state it came from.

    The caller has locked the row and checked the source state (`check_state`).
    """
    from_state = getattr(obj, field)
    setattr(obj, field, to_state)
    obj.save(update_fields=None if also_save is None else [field, *also_save])
    log_transition(
        obj, action=action, from_state=from_state, to_state=to_state, actor=actor, reason=reason
    )
    return from_state

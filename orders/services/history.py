"""History rows of the order services written together: a checkout's transitions (the
order placed, paid, its payment status, the new subscription created and activated)
are one INSERT instead of one per row (issue 8's checkout benchmark).

The rows are the ones `marketplace.core.audit.log_transition` writes one by one; build
them with `history_row` after the change is decided, save them with `history_save` in
the same transaction. Each object's rows keep their order (ids ascend in list order).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from marketplace.core import rawsave
from marketplace.core.models import TransitionLog


def history_row(
    obj: models.Model,
    *,
    action: str,
    from_state: str = "",
    to_state: str = "",
    actor=None,
    reason: str = "",
) -> TransitionLog:
    """An unsaved history row of `obj` (saved: `obj.pk` is known)."""
    return TransitionLog(
        # get_for_model is cached per process: no query after the first.
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )


def history_save(rows: Iterable[TransitionLog]) -> None:
    """Insert the rows in one statement (none: nothing)."""
    rawsave.insert_many(list(rows))

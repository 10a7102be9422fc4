"""Who is told what (05, issue 11 › Notifications): each node change tells the party who
must act next, in their language, through the outbox (`marketplace.core.notifications`);
completions and appeal decisions go to both parties.

Labels go into the outbox row as their English msgids and are translated when the
e-mail is rendered in the recipient's language (`{% translate node_label %}`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from marketplace.core import rawsave
from marketplace.core.models import Notification
from marketplace.core.notifications import notify

from ..flows import ACTION_LABELS, Node, Role
from ..models import Case

logger = logging.getLogger(__name__)


def english(label) -> str:
    """The msgid of a lazy label (the e-mail translates it for its recipient)."""
    with translation.override(None):
        return str(label)


def operators_with(perm: str):
    """Active staff accounts given `perm` ("app.codename") by a group or directly
    (superusers are not mailed for every case)."""
    app_label, codename = perm.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
        .distinct()
    )


def context(case: Case, **extra) -> dict:
    order = case.order
    return {
        "case_id": case.pk,
        "order_number": order.number,
        "product_name": order.product_name,
        "flow_label": english(case.flow_def.label),
        "node_label": english(Node(case.node).label),
        **extra,
    }


def recipients(case: Case, roles: Iterable[str]) -> list:
    users = []
    if Role.BUYER in roles:
        users.append(case.buyer)
    if Role.SELLER in roles:
        users.append(case.seller.user)
    if Role.OPERATOR in roles:
        users.extend(operators_with("supervision.confirm_operator_node"))
    return users


def notify_next(case: Case, *, action: str, comment: str = "") -> None:
    """After a move: the parties whose turn it is now (a completion: both parties)."""
    extra = {"action_label": english(ACTION_LABELS.get(action, action)), "comment": comment}
    if case.node == Node.COMPLETED:
        for user in recipients(case, (Role.BUYER, Role.SELLER)):
            notify(user=user, template="supervision_completed", context=context(case, **extra))
        return
    for user in recipients(case, case.flow_def.turn(case.node)):
        notify(user=user, template="supervision_turn", context=context(case, **extra))


def notify_opened(case: Case, *, seller_user_id: int | None) -> None:
    """A new case (the paid hook): the party who acts first is told, like `notify_next`
    would, but from ids in memory (no user or seller read) and in one INSERT; the
    e-mail goes out after commit (`notify_bulk`)."""
    extra = {"action_label": english(ACTION_LABELS.get("open", "open")), "comment": ""}
    turn = case.flow_def.turn(case.node)
    users: list = []
    if Role.BUYER in turn:
        users.append(case.buyer_id)
    if Role.SELLER in turn:
        users.append(seller_user_id if seller_user_id is not None else case.seller.user_id)
    if Role.OPERATOR in turn:
        users.extend(operators_with("supervision.confirm_operator_node"))
    ctx = context(case, **extra)
    notify_bulk([(user, "supervision_turn", ctx) for user in users])


def notify_roles(case: Case, *, roles: Iterable[str], template: str, **extra) -> None:
    for user in recipients(case, roles):
        notify(user=user, template=template, context=context(case, **extra))


def notify_users(users: Iterable, *, template: str, ctx: dict) -> None:
    for user in users:
        notify(user=user, template=template, context=ctx)


def notify_bulk(rows: list[tuple[object, str, dict]]) -> int:
    """Many notifications in one INSERT (the sweeps), each sent after commit: rows of
    (user or user id, template, context)."""
    if not rows:
        return 0
    objects = [
        Notification(user_id=getattr(user, "pk", user), template=template, context=ctx)
        for user, template, ctx in rows
    ]
    rawsave.insert_many(objects)
    ids = [n.pk for n in objects if n.pk is not None]
    if ids:
        transaction.on_commit(functools.partial(_enqueue_many, ids))
    return len(objects)


def _enqueue_many(ids: list[int]) -> None:
    from marketplace.core.tasks import send_notification

    for notification_id in ids:
        try:
            send_notification.delay(notification_id)
        except Exception:
            # Committed rows: the resend job enqueues them again (core/notifications.py).
            logger.exception("could not enqueue notification %s", notification_id)

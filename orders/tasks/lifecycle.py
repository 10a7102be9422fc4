"""Subscription lifecycle tasks (expiry reminders, freeze, release, hardware deadlines,
package auto-repurchase). Thin: each calls one service; the services are idempotent."""

from __future__ import annotations

from celery import shared_task

__all__ = [
    "freeze_expired_subscriptions",
    "hardware_return_deadlines",
    "package_repurchase_task",
    "release_frozen_subscriptions",
    "remind_expiring_subscriptions",
]


@shared_task(acks_late=True)
def remind_expiring_subscriptions() -> int:
    """Beat, hourly: the expiry reminder, once per subscription and expiry."""
    from orders.services.subscriptions import subscriptions_remind_expiring

    return subscriptions_remind_expiring()


@shared_task(acks_late=True)
def freeze_expired_subscriptions() -> int:
    """Beat, every 5 minutes: freeze what expired (updateInstanceStatus FREEZE)."""
    from orders.services.subscriptions import subscriptions_freeze_expired

    return subscriptions_freeze_expired()


@shared_task(acks_late=True)
def release_frozen_subscriptions() -> int:
    """Beat, every 15 minutes: release what stayed frozen past the grace period."""
    from orders.services.subscriptions import subscriptions_release_frozen

    return subscriptions_release_frozen()


@shared_task(acks_late=True)
def hardware_return_deadlines() -> int:
    """Beat, every 15 minutes: returns not shipped back in time count as withdrawn;
    goods not inspected in time are accepted (refunded)."""
    from orders.services.unsubscribe import (
        unsubscriptions_accept_uninspected,
        unsubscriptions_expire_returns,
    )

    return unsubscriptions_expire_returns() + unsubscriptions_accept_uninspected()


@shared_task(acks_late=True)
def package_repurchase_task(subscription_id: int, key: str) -> int | None:
    """After a deduction crossed the threshold: place and pay the repurchase once."""
    from orders.services.packages import package_repurchase

    order = package_repurchase(subscription_id=subscription_id, key=key)
    return order.pk if order is not None else None

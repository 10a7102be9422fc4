"""Checkout tasks (expiry of unpaid orders, provisioning dispatch). Thin: each calls one
service; both are safe to run twice or on two workers at once."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def expire_unpaid_orders() -> int:
    """Beat, every minute: cancel the orders whose time to pay has passed (stock back)."""
    from orders.services.checkout import orders_expire_unpaid

    return orders_expire_unpaid()


@shared_task(acks_late=True)
def dispatch_provisioning_calls() -> int:
    """After each commit that enqueued a call, and from beat every minute (retries, lost
    kicks): send the due provisioning calls in per-subscription order."""
    from orders.provisioning import calls_dispatch

    return calls_dispatch()


__all__ = ["dispatch_provisioning_calls", "expire_unpaid_orders"]

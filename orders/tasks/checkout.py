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
    from orders.provisioning import calls_dispatch, kick_taken

    kick_taken()  # before claiming: a call committed from now on kicks a new task
    return calls_dispatch()


@shared_task(acks_late=True)
def sweep_provisioning_calls() -> int:
    """Beat, every 30 s: enqueue dispatch tasks while calls are due (pending and due, or
    a lapsed claim), so a kick lost with the broker loses no call."""
    from orders.provisioning import calls_sweep

    return calls_sweep()


@shared_task(acks_late=True)
def purge_provisioning_calls() -> int:
    """Beat, daily: delete succeeded calls older than ISV_CALL_RETENTION_DAYS."""
    from orders.provisioning import calls_purge_succeeded

    return calls_purge_succeeded()


@shared_task(acks_late=True)
def check_interface_health(product_id: int) -> bool:
    """After a create-instance call finally failed: delist the product if its interface
    failed too many orders this month (idempotent)."""
    from orders.isv.health import product_check_interface_health

    return product_check_interface_health(product_id=product_id)


@shared_task(acks_late=True)
def check_all_interface_health() -> int:
    """Beat, hourly: the same check for every product with failures this month."""
    from orders.isv.health import products_check_interface_health

    return products_check_interface_health()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def mail_service_group_call_failed(call_id: int) -> bool:
    """E-mail a finally failed call to the product's customer-service group mailbox."""
    from orders.isv.messages import service_group_mail_send

    return service_group_mail_send(call_id=call_id)


__all__ = [
    "check_all_interface_health",
    "check_interface_health",
    "dispatch_provisioning_calls",
    "expire_unpaid_orders",
    "mail_service_group_call_failed",
    "purge_provisioning_calls",
    "sweep_provisioning_calls",
]

"""Celery tasks of the buyer's money: thin, idempotent, each calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def issue_credit_bills(period: str = "") -> int:
    """Beat, on the 1st (Beijing): the credit bills of the previous month. Idempotent."""
    from buyers.services.credit import credit_bills_create
    from buyers.services.periods import previous_period

    return credit_bills_create(period=period or previous_period())


@shared_task(
    acks_late=True,
    # The site not reachable (restarting, network): the provider tries again, as real
    # providers retry their notifications for hours.
    autoretry_for=(OSError,),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=10,
)
def deliver_sandbox_notification(data: dict) -> bool:
    """The sandbox provider's server POSTs its signed notification to our endpoint."""
    from buyers.payments.sandbox import deliver

    return deliver(data)

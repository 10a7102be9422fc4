"""Supervision beat jobs (marketplace/settings.py › CELERY_BEAT_SCHEDULE). Thin: each
calls one service; the services are idempotent and safe in two workers at once."""

from __future__ import annotations

from celery import shared_task

__all__ = [
    "auto_accept_hardware",
    "complete_supervised_orders",
    "flag_overdue_cases",
    "poll_logistics",
]


@shared_task(acks_late=True)
def flag_overdue_cases() -> int:
    """Beat, every 15 minutes: cases past their implementation deadline, flagged once;
    the sellers and operators are told."""
    from .services.sweeps import cases_flag_overdue

    return cases_flag_overdue()


@shared_task(acks_late=True)
def complete_supervised_orders() -> int:
    """Beat, every 30 minutes: orders whose case is completed become completed (05:
    within 3 hours of the acceptance)."""
    from .services.sweeps import orders_complete_supervised

    return orders_complete_supervised()


@shared_task(acks_late=True)
def auto_accept_hardware() -> int:
    """Beat, every 30 minutes: hardware signed for long enough is accepted."""
    from .services.sweeps import cases_auto_accept_hardware

    return cases_auto_accept_hardware()


@shared_task(acks_late=True)
def poll_logistics() -> int:
    """Beat, hourly: a carrier feed's signed-for records (nothing with the manual one)."""
    from .services.sweeps import cases_poll_logistics

    return cases_poll_logistics()

"""Invoicing beat jobs (marketplace/settings.py › CELERY_BEAT_SCHEDULE). Thin: each calls
one idempotent service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def flag_overdue_invoices() -> int:
    """Every 15 minutes: requests not issued within 7 days, flagged once."""
    from .services import invoices_flag_overdue

    return invoices_flag_overdue()


@shared_task(acks_late=True)
def record_red_letters() -> int:
    """Every 15 minutes: invoiced orders refunded since get a red-letter invoice due."""
    from .services import red_letters_record

    return red_letters_record()

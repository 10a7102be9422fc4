"""Celery tasks of settlement: thin, idempotent, each calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_monthly_settlement(period: str = "") -> int | None:
    """Beat, on the 1st (Beijing): the billing run of the previous month, through the same
    service as `manage.py settlement_run`. The run is idempotent; the beat fires a few
    times that day so a missed or crashed run is caught up, and a period whose run over
    all sellers has finished is left alone. Returns the run's id (None: nothing to do)."""
    from buyers.services.periods import previous_period
    from settlement.selectors import period_finished
    from settlement.services import settlement_run

    period = period or previous_period()
    if period_finished(period=period):
        return None
    return settlement_run(period=period, source="beat").pk

"""ISV production interface tasks: the daily probe (orders/isv/probe.py). Thin: the beat
task fans out one task per product, so one slow seller server delays no other."""

from __future__ import annotations

from celery import shared_task

__all__ = ["probe_product_interface", "probe_product_interfaces"]


@shared_task(acks_late=True)
def probe_product_interfaces() -> int:
    """Beat, 09:00 and 15:00 Beijing: probe every listed product that has test cases."""
    from django.utils import timezone

    from orders.isv.probe import probe_candidates

    slot = timezone.localtime().strftime("%H")
    product_ids = probe_candidates()
    for product_id in product_ids:
        probe_product_interface.delay(product_id, slot)
    return len(product_ids)


@shared_task(acks_late=True)
def probe_product_interface(product_id: int, slot: str | None = None) -> bool | None:
    """Probe one product (idempotent per day and slot); the day's verdict, None if skipped."""
    from orders.isv.probe import probe_product

    probe = probe_product(product_id=product_id, slot=slot)
    return None if probe is None else probe.ok

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def heartbeat() -> str:
    """Beat → worker liveness; the operator dashboard shows when it last ran."""
    from .models import Heartbeat

    now = timezone.now()
    Heartbeat.objects.update_or_create(name="worker", defaults={"at": now})
    logger.info("heartbeat %s", now.isoformat())
    return now.isoformat()

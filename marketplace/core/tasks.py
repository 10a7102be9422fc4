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


@shared_task(
    acks_late=True,
    # SMTPException is an OSError, like a refused or dropped connection.
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_notification(notification_id: int) -> bool:
    """Send one notification e-mail; a second run, or a run on another worker, sends nothing."""
    from .notifications import notification_send

    return notification_send(notification_id=notification_id)


@shared_task(acks_late=True)
def resend_pending_notifications() -> int:
    """Beat, every 5 minutes: enqueue again the notifications that were never sent."""
    from .notifications import notifications_resend_pending

    return notifications_resend_pending()

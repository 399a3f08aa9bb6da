from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from tenant_apps.kit.tasks import for_each_agency
from tenant_apps.webhooks.delivery import delivery_attempt
from tenant_apps.webhooks.models import Delivery, DeliveryStatus

# A delivery this late for its next attempt lost its task (a broker outage, a worker killed).
OVERDUE = timedelta(minutes=5)


@shared_task(bind=True, ignore_result=True, max_retries=None)
def webhook_deliver(self, delivery_id: int) -> None:
    """Try a delivery; when it fails, try again later with exponential backoff, until
    WEBHOOK_MAX_ATTEMPTS. Runs in the agency's schema; every attempt is in the log. The retry
    is sent from inside the task, so it carries the same schema."""
    retry_in = delivery_attempt(delivery_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)


@shared_task(ignore_result=True)
def webhook_sweep() -> None:
    """Beat task, in the public schema: look for lost deliveries in each live agency."""
    for_each_agency(webhook_sweep_agency.name)


@shared_task(ignore_result=True)
def webhook_sweep_agency() -> int:
    """Queue deliveries whose next attempt is overdue; returns how many. A duplicate of a
    task still waiting does no harm: an attempt locks its delivery and skips finished ones."""
    overdue = Delivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING],
        next_attempt_at__lt=timezone.now() - OVERDUE,
    ).values_list("pk", flat=True)
    ids = list(overdue)
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id)
    return len(ids)

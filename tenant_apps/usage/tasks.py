from datetime import UTC

from celery import shared_task
from django.db import connection
from django.utils import timezone

from operators.models import AgencyUsageDay
from tenant_apps.kit.tasks import for_each_agency
from tenant_apps.usage.selectors import usage_figures


@shared_task(ignore_result=True)
def usage_gather() -> None:
    """Beat task, in the public schema: count each live agency's usage in its own schema."""
    for_each_agency(usage_gather_agency.name)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def usage_gather_agency() -> int:
    """Write today's usage row for the agency whose schema the task runs in (the operators'
    table is in the public schema). Safe to run again: the same day's row is updated.
    Returns the row's id."""
    agency = connection.tenant
    now = timezone.now()
    row, _ = AgencyUsageDay.objects.update_or_create(
        agency_id=agency.pk,
        day=timezone.localdate(now, timezone=UTC),  # usage days are UTC days
        defaults={**usage_figures(), "gathered_at": now},
    )
    return row.pk

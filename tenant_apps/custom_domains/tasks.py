from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.custom_domains.actions import domain_check_run
from tenants.models import CustomDomain, DomainStatus

RECHECK_FOR = timedelta(days=7)
RECHECK_EVERY = timedelta(minutes=9)  # the sweep runs every 10


@shared_task(ignore_result=True)
def domain_check(custom_domain_id: int) -> None:
    """Check one custom domain's DNS, in the schema of the agency that queued it."""
    domain_check_run(domain_id=custom_domain_id)


@shared_task(ignore_result=True)
def domains_recheck() -> None:
    """Beat task, in the public schema: check again the domains still waiting for their DNS
    records, for a week after they were added, each in its agency's schema."""
    now = timezone.now()
    waiting = (
        CustomDomain.objects.exclude(status=DomainStatus.VERIFIED)
        .filter(
            created_at__gte=now - RECHECK_FOR,
            agency__is_active=True,
            agency__is_spare=False,
        )
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=now - RECHECK_EVERY))
        .select_related("agency")
    )
    for domain in waiting:
        with tenant_context(domain.agency):
            domain_check.delay(domain.pk)

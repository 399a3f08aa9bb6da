from celery import shared_task
from django.db import transaction
from django.utils import timezone

from shared_apps.accounts.models import User
from tenant_apps.workspace.actions import first_run_locked
from tenant_apps.workspace.emails import welcome_email


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def welcome_email_send(owner_id: int) -> bool:
    """Welcome a new agency's owner, once per agency; runs in the agency's schema.
    Returns whether an email was sent."""
    with transaction.atomic():
        # The lock makes a duplicated task wait here, then see welcome_sent_at and skip.
        first_run = first_run_locked()
        owner = User.objects.filter(pk=owner_id, is_active=True).first()
        if first_run.welcome_sent_at or owner is None:
            return False
        welcome_email(owner).send()
        first_run.welcome_sent_at = timezone.now()
        first_run.save(update_fields=["welcome_sent_at"])
    return True

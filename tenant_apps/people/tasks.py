from celery import shared_task
from django.db import transaction
from django.utils import timezone

from tenant_apps.people.emails import invitation_email
from tenant_apps.people.models import Invitation


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def invitation_email_send(invitation_id: int, secret: str) -> bool:
    """Email an invitation's link, at most once; runs in the agency's schema.

    The link's secret travels as an argument because only its digest is stored.
    Returns whether an email was sent (not if already sent, revoked, accepted or expired).
    """
    with transaction.atomic():
        # The lock makes a duplicated task wait here, then see sent_at and skip.
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("company", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at or invitation.status != "pending":
            return False
        invitation_email(invitation, secret).send()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True

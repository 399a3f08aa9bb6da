from celery import shared_task
from django.db import transaction

from branding.emails import message_id_set
from tenant_apps.client_requests.models import ClientRequest, Status
from tenant_apps.notifications.kinds import Channel
from tenant_apps.notifications.selectors import preference_channels
from tenant_apps.people.models import ClientMember
from tenant_apps.satisfaction.actions import survey_link_create, survey_sent_for
from tenant_apps.satisfaction.emails import survey_message
from tenant_apps.satisfaction.models import Rating

KIND = "request.resolved"  # whose email preference the survey follows (off: no survey)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def survey_send(request_id: int) -> int:
    """Email the client who asked the survey of the request's current resolution; runs in
    the agency's schema. Nothing when the request was reopened since, is rated already, its
    asker is no longer an active client person, or they turned resolved-request emails off.

    Safe to retry, to run twice or to be killed anywhere: runs take the request's row lock
    in turn, and the survey's link (which records it went) commits with the send, so a failed
    send leaves nothing and a second run finds the link; the Message-ID is the same at every
    attempt. Returns how many emails were sent (0 or 1).
    """
    with transaction.atomic():
        client_request = (
            ClientRequest.objects.select_for_update(of=("self",))
            .select_related("company", "created_by", "type")
            .filter(pk=request_id, status=Status.RESOLVED)
            .first()
        )
        if client_request is None or client_request.resolved_at is None:
            return 0
        asker = client_request.created_by
        if (
            Rating.objects.filter(request=client_request).exists()
            or survey_sent_for(client_request, asker)
            or not ClientMember.objects.filter(
                user=asker, company_id=client_request.company_id, user__is_active=True
            ).exists()
            or preference_channels([asker.pk], [KIND])[asker.pk, KIND] == Channel.OFF
        ):
            return 0
        secret = survey_link_create(client_request=client_request, recipient=asker)
        email = survey_message(client_request, asker, secret)
        stamp = int(client_request.resolved_at.timestamp())
        message_id_set(email, "csat", client_request.pk, stamp, asker.pk)
        email.send()
    return 1

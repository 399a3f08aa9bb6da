from celery import shared_task
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from branding.emails import message_id_set
from tenant_apps.client_requests.actions import bulk_job_run
from tenant_apps.client_requests.emails import NoticeMail, notices_for
from tenant_apps.client_requests.models import (
    OPEN_STATUSES,
    BulkJob,
    ClientRequest,
    RequestNotification,
    SlaState,
)
from tenant_apps.client_requests.notices import request_email_wanted
from tenant_apps.client_requests.signals import sla_alerted
from tenant_apps.client_requests.sla_sync import sla_fields, sla_policy
from tenant_apps.kit.tasks import for_each_agency


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def request_notify(kind: str, request_id: int, event_id: int | None = None) -> int:
    """Email the people ``kind`` of change concerns; runs in the agency's schema.

    Safe to retry, to run twice or to be killed anywhere (acknowledged late): each delivery
    is recorded with the send, and recipients already recorded are skipped; killed between
    the ESP's acceptance and the record, the rerun sends that email again under the same
    Message-ID. Returns how many emails were sent.
    """
    request = (
        ClientRequest.objects.select_related("company", "owner", "created_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        return 0
    event = request.events.select_related("actor").filter(pk=event_id).first() if event_id else None
    # Whose change this is: the event's author, or for a new request its submitter.
    actor = event.actor if event else (request.created_by if kind == "received" else None)
    done = set(
        RequestNotification.objects.filter(kind=kind, request=request, event=event).values_list(
            "recipient_id", flat=True
        )
    )
    sent = 0
    for notice in notices_for(kind):
        mail = NoticeMail(notice, request, event, actor)
        for recipient in mail.recipients():
            if recipient.pk in done or not request_email_wanted(kind, recipient):
                continue
            # The record commits only if the send succeeded, so a retry sends what failed;
            # a concurrent duplicate waits on the unique key, then finds the record.
            with transaction.atomic():
                _, created = RequestNotification.objects.get_or_create(
                    kind=kind, request=request, event=event, recipient=recipient
                )
                if created:
                    email = mail.email(recipient)
                    event_pk = event.pk if event else 0
                    message_id_set(email, "request", kind, request.pk, event_pk, recipient.pk)
                    email.send()
                    sent += 1
            done.add(recipient.pk)
    return sent


@shared_task(ignore_result=True)
def sla_sweep() -> None:
    """Beat task, in the public schema: start a sweep in each live agency's schema."""
    for_each_agency(sla_sweep_agency.name)


SWEPT_FIELDS = [
    "sla_state",
    "response_due_at",
    "resolution_due_at",
    "at_risk_notified_at",
    "first_response_seconds",
    "resolution_seconds",
]


@shared_task(ignore_result=True)
def sla_sweep_agency() -> int:
    """Bring this agency's open requests' stored SLA up to now, and alert their owners.

    Time alone moves a request from on track to at risk to breached, with no action to
    recompute it. Each request's owner (or the team, without one) hears once that it is
    at risk and once that it breached; neither alert repeats, even if the request later
    recovers and slips again. Returns how many requests changed.
    """
    now = timezone.now()
    policy = sla_policy()
    breach_alerted = RequestNotification.objects.filter(request=OuterRef("pk"), kind="breached")
    with transaction.atomic():
        # Rows an action holds are skipped (it refreshes their SLA itself), and the lock
        # keeps an action from being overwritten by values computed before it.
        requests = (
            ClientRequest.objects.filter(status__in=OPEN_STATUSES)
            .select_for_update(of=("self",), skip_locked=True)
            .only(
                "priority",
                "status",
                "created_at",
                "first_response_at",
                "resolved_at",
                *SWEPT_FIELDS,
            )
            .annotate(breach_alerted=Exists(breach_alerted))
            .prefetch_related("pauses")
        )
        changed, alerts = [], []
        for request in requests:
            fields = sla_fields(request, policy, now)
            if fields["sla_state"] == SlaState.AT_RISK and request.at_risk_notified_at is None:
                fields["at_risk_notified_at"] = now
                alerts.append(("at_risk", request.pk))
            if fields["sla_state"] == SlaState.BREACHED and not request.breach_alerted:
                alerts.append(("breached", request.pk))
            if any(getattr(request, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(request, name, value)
                changed.append(request)
        ClientRequest.objects.bulk_update(changed, SWEPT_FIELDS, batch_size=500)
        # Queued before the commit: a worker killed between the commit and the queueing
        # would lose an at-risk alert for good (at_risk_notified_at says it went). Killed
        # before the commit, the rerun queues it again and request_notify sends each
        # person's once.
        for kind, request_id in alerts:
            request_notify.delay(kind, request_id)
            sla_alerted.send(sender=ClientRequest, kind=kind, request_id=request_id)
    return len(changed)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def request_bulk_run(job_id: int) -> None:
    """Run a bulk change too big for the HTTP request; runs in the agency's schema.

    Safe to retry, to run twice or to be killed anywhere: each item commits with the job's
    progress, so a rerun starts at the first item not done; a finished job is left alone."""
    job = BulkJob.objects.select_related("actor").filter(pk=job_id).first()
    if job is not None:
        bulk_job_run(job=job)

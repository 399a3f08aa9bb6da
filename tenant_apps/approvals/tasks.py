from celery import shared_task
from django.db import transaction
from django.utils import timezone

from tenant_apps.approvals.emails import notify_reminder, waiting_approvers
from tenant_apps.approvals.models import ApprovalNotice, ApprovalRequest, ApprovalStatus
from tenant_apps.approvals.reminders import reminder_step
from tenant_apps.kit.tasks import for_each_agency


@shared_task(ignore_result=True)
def approval_reminders() -> None:
    """Beat task, in the public schema: start the reminders in each live agency's schema."""
    for_each_agency(approval_reminders_agency.name)


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def approval_reminders_agency() -> int:
    """Remind the approvers who have not decided of each pending approval at the reminder
    step it is at today (reminders.reminder_step). Each step reaches each approver once,
    however often this runs or is retried. Returns how many reminders it sent."""
    today = timezone.localdate()
    pending = ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING).select_related(
        "company", "version__document", "invoice"
    )
    sent = 0
    for approval in pending.iterator(chunk_size=500):
        step = reminder_step(
            due_date=approval.due_date,
            asked_on=timezone.localdate(approval.created_at),
            today=today,
        )
        if step is None:
            continue
        for recipient in waiting_approvers(approval):
            # The record and the notification commit together; a rerun, or a concurrent
            # duplicate waiting on the unique key, finds the record and sends nothing.
            with transaction.atomic():
                _, created = ApprovalNotice.objects.get_or_create(
                    approval=approval, recipient=recipient, kind=f"reminder:{step}"
                )
                if created:
                    notify_reminder(approval, step, recipient)
                    sent += 1
    return sent

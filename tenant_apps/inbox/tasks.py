from celery import shared_task
from django.db import transaction
from django.utils import timezone

from tenant_apps.inbox.models import DueReminder
from tenant_apps.inbox.reminders import REMINDED, due_step, step_title
from tenant_apps.kit.tasks import for_each_agency
from tenant_apps.notifications.actions import notification_send


@shared_task(ignore_result=True)
def reminder_sweep() -> None:
    """Beat task, in the public schema: start the reminder sweep in each live agency."""
    for_each_agency(reminder_sweep_agency.name)


@shared_task(ignore_result=True)
def reminder_sweep_agency() -> int:
    """Remind people of items due tomorrow, due today and overdue; returns how many reminders.

    Each step goes out once per item and due date (a unique DueReminder row, written with the
    notification in one transaction), however often this runs; a new due date arms the steps
    again. An item found overdue at once gets only the overdue reminder.
    """
    today = timezone.localdate()
    sent = 0
    for reminded in REMINDED:
        items = list(reminded.due_soon(today))
        done = set(
            DueReminder.objects.filter(
                subject=reminded.subject, object_id__in=[item.pk for item in items]
            ).values_list("object_id", "due_date", "step")
        )
        for item in items:
            step = due_step(item.due_date, today)
            if step is None or (item.pk, item.due_date, step) in done:
                continue
            with transaction.atomic():
                _, created = DueReminder.objects.get_or_create(
                    subject=reminded.subject, object_id=item.pk, due_date=item.due_date, step=step
                )
                if not created:
                    continue
                notification_send(
                    recipients=reminded.recipients(item, step),
                    kind=reminded.kind,
                    target=item,
                    title=step_title(step, item.due_date, item.title),
                    url=reminded.url(item),
                )
                sent += 1
    return sent

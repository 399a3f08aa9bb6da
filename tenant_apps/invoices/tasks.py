from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction

from branding.emails import message_id_set
from shared_apps.core.regional import regional_for
from tenant_apps.invoices.actions import invoice_move
from tenant_apps.invoices.emails import InvoiceMail
from tenant_apps.invoices.models import Invoice, InvoiceNotice, InvoiceStatus, NoticeKind
from tenant_apps.invoices.selectors import agency_today
from tenant_apps.kit.tasks import for_each_agency

# Overdue invoices remind on becoming overdue, then every REMINDER_INTERVAL_DAYS days, at
# most REMINDER_LIMIT times; after that the team follows up in person.
REMINDER_INTERVAL_DAYS = 7
REMINDER_LIMIT = 6


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=6)
def invoice_notify(kind: str, invoice_id: int, occurrence: int = 0) -> int:
    """Email ``kind`` of notice about an invoice to its recipients; runs in the agency's
    schema. Safe to retry, to run twice or to be killed anywhere (acknowledged late): each
    delivery is recorded with its send and recipients already recorded are skipped; killed
    between the ESP's acceptance and the record, the rerun sends that email again under the
    same Message-ID. Returns how many emails were sent."""
    invoice = Invoice.objects.select_related("company").filter(pk=invoice_id).first()
    if invoice is None or invoice.status == InvoiceStatus.DRAFT:
        return 0
    if kind == NoticeKind.REMINDER and invoice.status != InvoiceStatus.OVERDUE:
        return 0  # paid (or reported paid) since the sweep queued it
    mail = InvoiceMail(kind, invoice, occurrence)
    done = set(
        InvoiceNotice.objects.filter(invoice=invoice, kind=kind, occurrence=occurrence).values_list(
            "recipient_id", flat=True
        )
    )
    sent = 0
    for recipient in mail.recipients():
        if recipient.pk in done:
            continue
        # The record commits only if the send succeeded, so a retry sends what failed;
        # a concurrent duplicate waits on the unique key, then finds the record.
        with transaction.atomic():
            _, created = InvoiceNotice.objects.get_or_create(
                invoice=invoice, kind=kind, occurrence=occurrence, recipient=recipient
            )
            if created:
                with regional_for(recipient):  # money and dates as they write them
                    email = mail.email(recipient, mail.context())
                    message_id_set(email, "invoice", kind, invoice.pk, occurrence, recipient.pk)
                    email.send()
                sent += 1
        done.add(recipient.pk)
    return sent


@shared_task(ignore_result=True)
def invoice_sweep() -> None:
    """Beat task, in the public schema: start a sweep in each live agency's schema."""
    for_each_agency(invoice_sweep_agency.name)


def reminder_step(days_late: int) -> int:
    """0 for the first week overdue (from the day after the due date), 1 the next, ..."""
    return (days_late - 1) // REMINDER_INTERVAL_DAYS


@shared_task(ignore_result=True)
def invoice_sweep_agency() -> int:
    """Mark sent invoices past their due date overdue, and queue each overdue invoice's
    reminder for this week unless it went out already. Returns how many became overdue.

    An invoice the client reported paying (pending payment) is left alone: the team
    confirms or rejects the payment, and a rejected one comes back here as sent.
    """
    today = agency_today()
    became_overdue = 0
    for invoice in Invoice.objects.filter(status=InvoiceStatus.SENT, due_date__lt=today):
        try:
            invoice_move(invoice=invoice, move="mark_overdue")
        except ValidationError:
            continue  # paid, reported paid or voided since the query; nothing to do
        became_overdue += 1
    overdue = Invoice.objects.filter(status=InvoiceStatus.OVERDUE, due_date__lt=today)
    steps = {
        invoice_id: reminder_step((today - due_date).days)
        for invoice_id, due_date in overdue.values_list("id", "due_date")
    }
    reminded = set(
        InvoiceNotice.objects.filter(kind=NoticeKind.REMINDER, invoice_id__in=steps)
        .values_list("invoice_id", "occurrence")
        .distinct()
    )
    for invoice_id, step in steps.items():
        if step < REMINDER_LIMIT and (invoice_id, step) not in reminded:
            invoice_notify.delay(NoticeKind.REMINDER, invoice_id, step)
    return became_overdue

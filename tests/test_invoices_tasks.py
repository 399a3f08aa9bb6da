"""Invoice emails on a real Celery worker: the task runs in the schema of the agency that
queued it, and a second delivery of the same task sends nothing more."""

from datetime import date
from decimal import Decimal

from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.invoices.models import Invoice, InvoiceNotice, InvoiceStatus, NoticeKind
from tenant_apps.invoices.tasks import invoice_notify
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.processes import wait_until
from tests.test_tasks import db  # noqa: F401  (db: the worker sees committed rows)


def test_worker_sends_an_invoice_in_its_agencys_schema_once(db, celery_worker, django_db_blocker):  # noqa: F811
    with django_db_blocker.unblock():
        acme = Agency.objects.get(subdomain="acme")
        with tenant_context(acme):
            # A row made directly, not through actions: the activity log refuses deletes.
            invoice = Invoice.objects.create(
                company=ClientCompany.objects.get(name="Northwind"),
                number="WORKER-1",
                currency="EUR",
                status=InvoiceStatus.SENT,
                issue_date=date(2031, 1, 1),
                due_date=date(2031, 1, 31),
                subtotal=Decimal("10"),
                total=Decimal("10"),
                created_by=User.objects.get(email="owner@acme.example"),
            )
        try:
            with tenant_context(acme):
                invoice_notify.delay(NoticeKind.SENT, invoice.pk)
                invoice_notify.delay(NoticeKind.SENT, invoice.pk)  # a duplicate delivery

            def recorded():
                with tenant_context(acme):
                    return list(
                        InvoiceNotice.objects.values_list("kind", "invoice_id", "recipient__email")
                    )

            sent = [("sent", invoice.pk, "finance@northwind.example")]
            wait_until(lambda: recorded() == sent)
        finally:
            with tenant_context(acme):
                invoice.delete()

"""Approval reminders on a real Celery worker: the beat task fans out to each agency's
schema, and a second run sends nothing more."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.approvals.models import ApprovalApprover, ApprovalNotice, ApprovalRequest
from tenant_apps.approvals.tasks import approval_reminders
from tenant_apps.documents.models import Document, DocumentVersion
from tenant_apps.files.models import StoredFile
from tenant_apps.notifications.models import ActionLink, Notification
from tenant_apps.people.models import ClientCompany
from tenants.models import Agency
from tests.processes import wait_until


@pytest.fixture
def db(django_db_setup):
    """The test database without pytest-django's per-test transaction, which the worker
    could not see into. (Named ``db`` so pytest-django creates the test database.)"""


def _overdue_approval() -> ApprovalRequest:
    """Rows made directly, not through actions: the activity log refuses the DELETE after."""
    staff = User.objects.get(email="staff@acme.example")
    stored = StoredFile.objects.create(
        key="worker-test/approval.pdf",
        name="approval.pdf",
        size=1,
        sha256="a" * 64,
        content_type="application/pdf",
        uploaded_by=staff,
    )
    northwind = ClientCompany.objects.get(name="Northwind")
    document = Document.objects.create(company=northwind, name="Worker test", created_by=staff)
    version = DocumentVersion.objects.create(document=document, number=1, file=stored)
    approval = ApprovalRequest.objects.create(
        company=northwind,
        version=version,
        sha256=stored.sha256,
        title="Worker reminder",
        due_date=timezone.localdate() - timedelta(days=1),
        requested_by=staff,
        created_at=timezone.now() - timedelta(days=5),
    )
    ApprovalApprover.objects.create(
        approval=approval, user=User.objects.get(email="approver@northwind.example")
    )
    return approval


def _remove(approval: ApprovalRequest) -> None:
    notifications = Notification.objects.filter(
        object_type="approvals.approvalrequest", object_id=str(approval.pk)
    )
    ActionLink.objects.filter(notification__in=notifications).delete()
    notifications.delete()
    version = approval.version
    approval.delete()
    version.delete()
    version.document.delete()
    version.file.delete()


def test_the_beat_task_reminds_in_the_agencys_schema_once(db, celery_worker, django_db_blocker):
    with django_db_blocker.unblock():
        acme = Agency.objects.get(subdomain="acme")
        with tenant_context(acme):
            approval = _overdue_approval()
        try:

            def reminded():
                with tenant_context(acme):
                    return set(
                        ApprovalNotice.objects.filter(approval=approval).values_list(
                            "kind", "recipient__email"
                        )
                    )

            def notified() -> int:
                with tenant_context(acme):
                    return Notification.objects.filter(
                        object_id=str(approval.pk), email__isnull=False
                    ).count()

            approval_reminders.delay()  # from the public schema, as beat sends it
            wait_until(lambda: notified() == 1)
            assert reminded() == {("reminder:overdue_1", "approver@northwind.example")}

            approval_reminders.delay()
            # Wait for the second sweep to finish in acme, then nothing more was sent.
            sweeps = "approval_reminders_agency"
            wait_until(lambda: celery_worker.read_text().count(sweeps) >= 4)
            assert notified() == 1 and len(reminded()) == 1
        finally:
            with tenant_context(acme):
                _remove(approval)

"""The weekly client report's beat task on a real Celery worker: each live agency's report
runs in its own schema, once."""

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.inbox.models import FileRequest
from tenant_apps.people.models import ClientCompany
from tenant_apps.projects.models import WeeklyReportDelivery
from tenant_apps.weekly_report.report import monday_of
from tenant_apps.weekly_report.tasks import weekly_reports
from tenants.models import Agency
from tests.processes import wait_until
from tests.test_tasks import db  # noqa: F401  (db: the worker sees committed rows)


def test_the_beat_sends_each_agencys_reports_in_its_schema_once(
    db,  # noqa: F811
    celery_worker,
    django_db_blocker,
):
    with django_db_blocker.unblock():
        acme = Agency.objects.get(subdomain="acme")
        with tenant_context(acme):
            # Waiting on Northwind's people: a row made directly, not through the action,
            # whose log entries could not be deleted after.
            asked = FileRequest.objects.create(
                company=ClientCompany.objects.get(name="Northwind"),
                title="Signed contract",
                requested_by=User.objects.get(email="owner@acme.example"),
            )
        try:
            weekly_reports()  # the beat's call, in the public schema
            weekly_reports()  # and a duplicate run

            def delivered():
                with tenant_context(acme):
                    return list(
                        WeeklyReportDelivery.objects.values_list(
                            "company__name", "recipient__email", "week"
                        )
                    )

            last_week = monday_of(timezone.localdate() - timedelta(days=7))
            digest = [("Northwind", "ca@northwind.example", last_week)]
            wait_until(lambda: delivered() == digest)
        finally:
            with tenant_context(acme):
                WeeklyReportDelivery.objects.all().delete()
                asked.delete()

"""The usage task: a real Celery worker counts each live agency in its own schema and writes
one row per agency per day into the public schema, updating it when run again."""

from datetime import UTC

from django.db import connection
from django.utils import timezone

from operators.models import AgencyUsageDay
from tenant_apps.usage.tasks import usage_gather
from tenants.models import Agency
from tests.processes import wait_until
from tests.test_tasks import db  # noqa: F401  (db: the worker sees committed rows)


def test_worker_writes_todays_row_for_every_live_agency(db, celery_worker, django_db_blocker):  # noqa: F811
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        live = set(Agency.objects.live().values_list("pk", flat=True))
        acme = Agency.objects.get(subdomain="acme")
        today = timezone.localdate(timezone.now(), timezone=UTC)
        rows = AgencyUsageDay.objects.filter(day=today)
        try:
            usage_gather.delay()
            wait_until(lambda: set(rows.values_list("agency_id", flat=True)) == live)
            first = rows.get(agency=acme)
            # acme's world: owner, admin and staff; Northwind and Southwind; five client people.
            assert (first.seats, first.client_companies, first.client_people) == (3, 2, 5)
            assert first.owner_email == "owner@acme.example"
            assert first.owner_name == "Acme Owner"
            assert [c["email"] for c in first.contacts] == [
                "owner@acme.example",
                "admin@acme.example",
            ]
            assert first.last_activity_at is not None  # the world's people were logged
            assert first.bounced_emails == 0  # not tracked: the console says so

            # Again the same day: the same rows, gathered afresh.
            usage_gather.delay()
            wait_until(lambda: rows.get(agency=acme).gathered_at > first.gathered_at)
            assert rows.filter(agency=acme).count() == 1
            assert set(rows.values_list("agency_id", flat=True)) == live
        finally:
            rows.delete()

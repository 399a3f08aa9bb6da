"""Background work on a real Celery worker over Redis."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from shared_apps.signup.actions import agency_signup
from tenant_apps.client_requests.models import ClientRequest, RequestNotification, RequestType
from tenant_apps.client_requests.tasks import request_notify
from tenant_apps.people.models import ClientCompany
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.conftest import PASSWORD
from tests.processes import wait_until


@pytest.fixture
def db(django_db_setup):
    """The test database without pytest-django's per-test transaction, which the worker
    could not see into. (Named ``db`` so pytest-django creates the test database.)"""


def test_worker_refills_the_schema_pool_after_a_signup(db, celery_worker, django_db_blocker):
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        spares_before = Agency.objects.spares().count()
        signup = agency_signup(
            name="Worker Co",
            subdomain="worker-co",
            owner_name="W",
            owner_email="w@w.example",
            owner_password=PASSWORD,
        )
        try:
            assert signup.from_pool
            # Committed, so the on_commit hook queued fill_schema_pool; the worker
            # (SCHEMA_POOL_SIZE=2) migrates new spares until the pool holds two.
            wait_until(lambda: Agency.objects.spares().count() == 2)
            for spare in Agency.objects.spares():
                assert spare.domains.count() == 0
        finally:
            signup.agency.delete(force_drop=True)
            for extra in Agency.objects.spares().order_by("-created_at")[spares_before:]:
                extra.delete(force_drop=True)
            schema_pool_fill(size=spares_before)


def _request(company, submitter_email) -> ClientRequest:
    return ClientRequest.objects.create(
        company=company,
        type=RequestType.objects.get(key="support"),
        title="Worker test",
        details="Sent from one agency, run in its schema only.",
        created_by=User.objects.get(email=submitter_email),
    )


def test_worker_runs_request_notifications_in_the_sending_agencys_schema(
    db, celery_worker, django_db_blocker
):
    with django_db_blocker.unblock():
        acme, globex = (Agency.objects.get(subdomain=name) for name in ["acme", "globex"])
        # Rows made directly, not through actions: the activity log refuses the DELETE below.
        with tenant_context(acme):
            ours = _request(ClientCompany.objects.get(name="Northwind"), "ca@northwind.example")
        with tenant_context(globex):
            theirs = _request(ClientCompany.objects.create(name="Initech"), "owner@globex.example")
        try:
            with tenant_context(acme):
                request_notify.delay("received", ours.pk)
            with tenant_context(globex):
                request_notify.delay("client_replied", theirs.pk)

            def recorded(agency):
                with tenant_context(agency):
                    return set(
                        RequestNotification.objects.values_list(
                            "kind", "request_id", "recipient__email"
                        )
                    )

            acme_team = ["owner@acme.example", "admin@acme.example", "staff@acme.example"]
            expected = {
                acme: {
                    ("received", ours.pk, email) for email in ["ca@northwind.example", *acme_team]
                },
                globex: {("client_replied", theirs.pk, "owner@globex.example")},
            }
            wait_until(lambda: all(recorded(agency) == rows for agency, rows in expected.items()))
        finally:
            for agency, request in [(acme, ours), (globex, theirs)]:
                with tenant_context(agency):
                    request.delete()
            with tenant_context(globex):
                ClientCompany.objects.filter(name="Initech").delete()

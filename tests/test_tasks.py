"""Background work on a real Celery worker over Redis."""

import time

import pytest
from django.db import connection

from tenant_apps.onboarding.actions import agency_signup
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.conftest import PASSWORD


@pytest.fixture
def db(django_db_setup):
    """The test database without pytest-django's per-test transaction, which the worker
    could not see into. (Named ``db`` so pytest-django creates the test database.)"""


def wait_for(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.1)


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
            wait_for(lambda: Agency.objects.spares().count() == 2)
            for spare in Agency.objects.spares():
                assert spare.domains.count() == 0
        finally:
            signup.agency.delete(force_drop=True)
            for extra in Agency.objects.spares().order_by("-created_at")[spares_before:]:
                extra.delete(force_drop=True)
            schema_pool_fill(size=spares_before)

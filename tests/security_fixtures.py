"""Fixtures for the security tests, loaded by ``pytest_plugins`` in their modules."""

import pytest
from django.core.cache import cache
from django_tenants.utils import tenant_context

from config.celery import app
from tenant_apps.security.selectors import TEAM_TWO_FACTOR_CACHE_KEY
from tenant_apps.security.tasks import password_reset_gap_key


@pytest.fixture
def run_tasks(world, django_capture_on_commit_callbacks):
    """Run tasks queued on commit right here, through Celery's eager mode (the real task
    code, schema switching included); tests run in a transaction that never commits."""
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False
        app.conf.task_eager_propagates = False
        # Redis keeps the reset-mail gaps; the test's rollback doesn't reach it.
        with tenant_context(world.acme):
            cache.delete_many([password_reset_gap_key(p.user.pk) for p in world.personas.values()])


@pytest.fixture
def forget_team_policy(world):
    """For tests that change the two-factor policy, whose cached value lives in Redis."""
    yield
    with tenant_context(world.acme):
        cache.delete(TEAM_TWO_FACTOR_CACHE_KEY)

"""Fixtures for the notification and inbox tests: ``pytest_plugins = [this module]``."""

from contextlib import contextmanager

import pytest
from django_tenants.utils import tenant_context

from config.celery import app


@pytest.fixture
def tasks_inline():
    """Celery tasks run in-process when sent, as a worker would run them."""
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def acme(world, tasks_inline, django_capture_on_commit_callbacks):
    """Blocks in acme's schema that, as they end, run what the actions queued on commit."""

    @contextmanager
    def block():
        with tenant_context(world.acme), django_capture_on_commit_callbacks(execute=True):
            yield

    return block

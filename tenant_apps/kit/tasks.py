"""Queueing the agency side's Celery tasks.

Tasks are queued by name, looked up in Celery's registry so that eager mode still applies:
an action never imports its app's tasks, and a task may import actions. Every task carries
the agency whose schema was current when it was queued (tenant-schemas-celery's
``_schema_name`` header) and runs there.
"""

from celery import current_app
from django.db import transaction
from django_tenants.utils import tenant_context
from tenant_schemas_celery.task import headers_with_schema

from tenants.models import Agency


def _task(name: str):
    if name not in current_app.tasks:
        # The apps' tasks modules load lazily (autodiscover_tasks); a web process that has
        # not imported one yet loads them all now, once.
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue_on_commit(task_name: str, *args) -> None:
    """Queue the task ``task_name`` once the current transaction commits (at once outside
    one), for the agency current now. Robust: a broker outage must not fail a saved change;
    each app's sweep picks up what a lost message left undone."""
    # The commit may come after the caller left the tenant context, so take the header now.
    headers = headers_with_schema({})
    transaction.on_commit(lambda: _task(task_name).apply_async(args, headers=headers), robust=True)


def for_each_agency(task_name: str, *args) -> int:
    """Beat fan-out, run in the public schema: queue ``task_name`` once in every live
    agency's schema. Returns how many were queued."""
    queued = 0
    for agency in Agency.objects.live().iterator():
        with tenant_context(agency):
            _task(task_name).apply_async(args, headers=headers_with_schema({}))
        queued += 1
    return queued

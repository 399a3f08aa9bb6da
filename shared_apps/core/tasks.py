"""Queueing Celery tasks by name, after the transaction commits.

By name, looked up in Celery's registry so that eager mode still applies: an action never
imports its app's tasks, and a task may import actions. A task carries the schema that was
current when it was queued (tenant-schemas-celery's ``_schema_name`` header) and runs there:
the public schema for the platform's tasks, the agency's for the agency side's.
"""

from celery import current_app
from django.db import transaction
from tenant_schemas_celery.task import headers_with_schema


def task_named(name: str):
    if name not in current_app.tasks:
        # The apps' tasks modules load lazily (autodiscover_tasks); a web process that has
        # not imported one yet loads them all now, once.
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def enqueue_on_commit(task_name: str, *args) -> None:
    """Queue the task ``task_name`` once the current transaction commits (at once outside
    one), in the schema current now. Robust: a broker outage must not fail a saved change;
    each app's sweep picks up what a lost message left undone."""
    # The commit may come after the caller left the tenant context, so take the header now.
    headers = headers_with_schema({})
    transaction.on_commit(
        lambda: task_named(task_name).apply_async(args, headers=headers), robust=True
    )

import os

from celery.signals import setup_logging, worker_init
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Tasks sent inside tenant_context() carry the schema and run in it (on its cluster); an
# agency's tasks wait while it moves between clusters (tenants.agency_task).
app = CeleryApp("config", task_cls="tenants.agency_task:AgencyTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_transaction_pooling(**kwargs):
    """No worker through a pooler in transaction mode (tenants/checks.py). SystemExit, as
    Celery logs and ignores a signal handler's other exceptions."""
    from tenants.checks import transaction_pooling_problem

    problem = transaction_pooling_problem()
    if problem:
        raise SystemExit(problem)


@setup_logging.connect
def log_like_the_web(**kwargs):
    """The worker and beat log through settings.LOGGING (shared_apps.core.logs: JSON lines
    with the task's name, id and schema, scrubbed) instead of Celery's own handlers."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)

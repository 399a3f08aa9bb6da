"""The demo's clock: history written through the real actions as if it happened in the past.

Every timestamp the project writes comes from ``django.utils.timezone.now()`` (model field
defaults hold that very function), which reads ``datetime.now`` from its module. While a
step of the demo's history runs under ``happening_at(moment)``, that name is a ``datetime``
whose ``now()`` is ``moment``: the rows an action makes, its SLA arithmetic and its activity
log entry (appended in time order and hash-chained as always) all say it happened then.

Nothing the step queues for after the commit (emails, webhooks, text extraction) is kept:
that history happened long ago, and nobody is to be emailed about it now.

The clock is the whole process's while a step runs: for single-threaded seeding only.
"""

from contextlib import contextmanager
from datetime import datetime

from django.db import transaction
from django.utils import timezone as django_timezone

from shared_apps.core.tasks import tasks_dropped


def _dropped(func, using=None, robust=False):
    """``transaction.on_commit`` for the past: the callback is not run."""


@contextmanager
def happening_at(moment: datetime):
    """Run the block as if the time were ``moment`` (aware); one level deep."""

    class Then(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    saved = django_timezone.datetime, transaction.on_commit
    django_timezone.datetime, transaction.on_commit = Then, _dropped
    try:
        with tasks_dropped():  # the outbox's rows are written in the transaction itself
            yield
    finally:
        django_timezone.datetime, transaction.on_commit = saved

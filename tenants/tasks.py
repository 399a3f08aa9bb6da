from celery import shared_task
from django.conf import settings

from tenants.actions import schema_pool_fill


@shared_task(ignore_result=True)
def fill_schema_pool():
    """Top the spare-schema pool up; idempotent, and a no-op while another fill runs."""
    schema_pool_fill(size=settings.SCHEMA_POOL_SIZE)

from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from tenant_apps.usage.tasks import usage_gather_agency
from tenants.models import Agency


class Command(BaseCommand):
    help = (
        "Gather today's usage of every live agency now, in this process (the beat task does "
        "it hourly through the workers): for a fresh demo, or after an outage."
    )

    def handle(self, *args, **options):
        count = 0
        for agency in Agency.objects.live().iterator():
            with tenant_context(agency):
                usage_gather_agency()
            count += 1
        self.stdout.write(f"Usage gathered for {count} agenc{'y' if count == 1 else 'ies'}.")

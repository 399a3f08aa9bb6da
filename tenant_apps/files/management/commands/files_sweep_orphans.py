from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.files.actions import file_orphans_delete
from tenants.models import Agency


class Command(BaseCommand):
    help = (
        "Delete stored objects that no file row names: left by transactions that rolled back "
        "after storing a file, or by a crash mid-write. Only objects older than --hours are "
        "touched, so uploads still in flight are safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours, **options):
        older_than = timezone.now() - timedelta(hours=hours)
        for agency in Agency.objects.provisioned():
            with tenant_context(agency):
                deleted = file_orphans_delete(older_than=older_than)
            self.stdout.write(f"{agency.schema_name}: {deleted} orphaned objects deleted")

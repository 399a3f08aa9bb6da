from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from tenant_apps.activity.selectors import activity_first_broken_link
from tenants.models import Agency


class Command(BaseCommand):
    help = "Check every agency's activity hash chain and report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="Check only this agency's schema.")

    def handle(self, *args, schema=None, **options):
        agencies = Agency.objects.live()
        if schema:
            agencies = agencies.filter(schema_name=schema)
        broken = 0
        for agency in agencies:
            with tenant_context(agency):
                entry = activity_first_broken_link()
            if entry is None:
                self.stdout.write(f"{agency.schema_name}: intact")
            else:
                broken += 1
                self.stdout.write(
                    f"{agency.schema_name}: broken at entry {entry.pk} "
                    f"({entry.action} at {entry.occurred_at.isoformat()})"
                )
        if broken:
            raise CommandError(f"{broken} agency log(s) failed verification.")

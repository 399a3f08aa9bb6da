from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tenants.footprint import schema_footprint, schema_footprints
from tenants.models import Agency

# Schemas per statement, so a fleet's catalog is read in a few statements.
BATCH = 500


class Command(BaseCommand):
    help = (
        "What an agency's schema costs PostgreSQL (relations, catalog rows, bytes): one "
        "schema, or every agency's (spares included) with the mean and the figure per 1,000."
    )

    def add_arguments(self, parser):
        parser.add_argument("schema", nargs="?", help="one schema; all agencies' when left out")

    def handle(self, *args, schema=None, **options):
        if schema:
            try:
                footprint = schema_footprint(schema)
            except LookupError as error:
                raise CommandError(str(error)) from error
            for key, value in footprint.items():
                self.stdout.write(f"{key:<14} {value:>14,}")
            return
        schemas = list(
            Agency.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
        )
        totals = {}
        for start in range(0, len(schemas), BATCH):
            for footprint in schema_footprints(schemas[start : start + BATCH]).values():
                for key, value in footprint.items():
                    totals[key] = totals.get(key, 0) + value
        if not totals:
            raise CommandError("No agency schema found.")
        count = len(schemas)
        self.stdout.write(f"{count:,} agencies")
        self.stdout.write(f"{'':<14} {'total':>16} {'per agency':>14} {'per 1,000':>16}")
        for key, total in totals.items():
            self.stdout.write(
                f"{key:<14} {total:>16,} {total / count:>14,.0f} {total * 1000 / count:>16,.0f}"
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_database_size(current_database()), (SELECT count(*) FROM pg_class)"
            )
            database_bytes, class_rows = cursor.fetchone()
        self.stdout.write(f"database: {database_bytes:,} bytes, {class_rows:,} pg_class rows")

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shared_apps.backups.archive import archive_write, migrations_missing
from tenants.models import Agency


class Command(BaseCommand):
    help = (
        "Write one agency's archive (its schema's rows, its public rows, its stored files, a "
        "manifest with checksums) to FILE, for agency_restore."
    )

    def add_arguments(self, parser):
        parser.add_argument("subdomain", help="The agency's subdomain.")
        parser.add_argument("--out", required=True, metavar="FILE", help="Where to write it.")

    def handle(self, *args, subdomain, out, **options):
        agency = Agency.objects.provisioned().filter(subdomain=subdomain).first()
        if agency is None:
            raise CommandError(f"No agency has the subdomain {subdomain!r}.")
        if missing := migrations_missing(agency.schema_name, "schema"):
            raise CommandError(
                f"The schema {agency.schema_name} lacks migrations of this code ({missing[0]} "
                "and others): run `manage.py migrate_schemas` first."
            )
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"There is no folder {path.parent} to write {path.name} into.")
        try:
            manifest = archive_write(agency=agency, path=path)
        except OSError as error:
            raise CommandError(f"Could not write {path}: {error}") from error
        parts = manifest["parts"].values()
        tables = sum(1 for name in manifest["parts"] if name.startswith("schema/"))
        rows = sum(part.get("rows", 0) for part in parts)
        files = sum(1 for name in manifest["parts"] if name.startswith("files/"))
        self.stdout.write(
            f"Backed up {subdomain} ({agency.schema_name}): {tables} tables, {rows} rows, "
            f"{files} files, {path.stat().st_size} bytes, to {path}."
        )

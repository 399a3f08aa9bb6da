from django.core.management.base import BaseCommand, CommandError

from shared_apps.backups.move import agency_move
from shared_apps.backups.restore import Refused
from tenants.models import Agency


class Command(BaseCommand):
    help = (
        "Move an agency's schema to another PostgreSQL cluster (AGENCY_DATABASES): read-only "
        "meanwhile (writes get a 503), copied through a backup and a restore, row counts and "
        "file hashes verified before it is switched; the source schema is dropped after."
    )

    def add_arguments(self, parser):
        parser.add_argument("subdomain", help="The agency's subdomain.")
        parser.add_argument(
            "--to", required=True, metavar="DATABASE", help='The cluster: "default" or a name.'
        )
        parser.add_argument(
            "--keep-source",
            action="store_true",
            help="Keep the schema on the source cluster after the switch (drop it yourself).",
        )
        parser.add_argument(
            "--source-grace",
            type=float,
            default=5,
            metavar="SECONDS",
            help="How long requests routed before the switch may go on on the source before "
            "its schema is dropped (default 5).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Move even though the agency is marked as moving (an earlier move died).",
        )

    def handle(self, *args, subdomain, to, keep_source, source_grace, force, **options):
        agency = Agency.objects.provisioned().filter(subdomain=subdomain).first()
        if agency is None:
            raise CommandError(f"No agency has the subdomain {subdomain!r}.")
        source = agency.database
        try:
            moved = agency_move(
                agency=agency,
                to=to,
                keep_source=keep_source,
                source_grace_seconds=source_grace,
                force=force,
                say=self.stdout.write,
            )
        except Refused as refused:
            raise CommandError(
                f"Not moved, {subdomain} is served from {source} as before: {refused}"
            ) from None
        except Exception as error:
            raise CommandError(
                f"The move failed and was undone, {subdomain} is served from {source} as "
                f"before: {str(error).strip().splitlines()[0] if str(error).strip() else error!r}"
            ) from error
        self.stdout.write(
            f"Moved {subdomain} from {source} to {to}: {moved.tables} tables, {moved.rows} "
            f"rows, {moved.files} files, read-only for {moved.seconds_read_only:.1f} s."
        )

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from shared_apps.backups.restore import Refused, archive_open, archive_restore, target_check


class Command(BaseCommand):
    help = (
        "Restore an archive made by agency_backup, as the same agency or, with --as, as a "
        "sandbox copy under another subdomain. Everything is checked before anything is "
        "written, and the restore is all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive.")
        parser.add_argument(
            "--as",
            dest="subdomain",
            metavar="SUBDOMAIN",
            help="Restore a sandbox copy under this new subdomain: its own schema and files, "
            "only the platform's address, no custom domains and no Stripe ids.",
        )
        parser.add_argument(
            "--database-url",
            metavar="URL",
            help="Restore into this database instead (its public schema must be migrated: "
            "`DATABASE_URL=URL manage.py migrate_schemas --shared`).",
        )

    def handle(self, *args, file, subdomain=None, database_url=None, **options):
        if database_url:
            self._restore_elsewhere(file, subdomain, database_url)
            return
        try:
            archive = archive_open(file)
        except Refused as refused:
            raise CommandError(f"Refused, nothing was written: {refused}") from None
        with archive.zip:
            try:
                target = target_check(archive, subdomain=subdomain)
            except Refused as refused:
                raise CommandError(f"Refused, nothing was written: {refused}") from None
            except DatabaseError as error:
                raise CommandError(f"The database cannot be read: {_first_line(error)}") from None
            try:
                agency = archive_restore(archive, target)
            except Exception as error:  # whatever it was, one line: it was all undone
                raise CommandError(
                    f"The restore failed and was undone, nothing was kept: {_first_line(error)}"
                ) from error
        kind = "a sandbox copy" if target.sandbox else "the agency"
        self.stdout.write(
            f"Restored {kind} {agency.subdomain} ({agency.schema_name}) from {file}: "
            f"{len(archive.parts('files/'))} files."
        )

    def _restore_elsewhere(self, file, subdomain, database_url):
        """The same command in a process of its own, connected to the other database."""
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "agency_restore", file]
        if subdomain:
            command += ["--as", subdomain]
        finished = subprocess.run(  # noqa: S603 (this program, its own arguments)
            command,
            env=os.environ | {"DATABASE_URL": database_url},
            capture_output=True,
            text=True,
            check=False,
        )
        if finished.returncode:
            said = finished.stderr.strip().splitlines()
            last = said[-1] if said else f"exit status {finished.returncode}"
            raise CommandError(f"In the other database: {last.removeprefix('CommandError: ')}")
        self.stdout.write(finished.stdout.strip())


def _first_line(error: Exception) -> str:
    said = str(error).strip()
    return said.splitlines()[0] if said else type(error).__name__

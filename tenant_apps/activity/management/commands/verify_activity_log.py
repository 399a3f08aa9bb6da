from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext
from django_tenants.utils import tenant_context

from tenant_apps.activity.proofs import proof_problem, record_read
from tenant_apps.activity.selectors import (
    activity_erased_count,
    activity_first_broken_link,
    activity_head,
    activity_holds,
)
from tenants.models import Agency


class Command(BaseCommand):
    help = (
        "Check every agency's activity hash chain and report the first broken link. "
        "The chain alone cannot show that its newest entries were deleted, nor that someone "
        "recomputed every hash after an edit: keep the head hash this prints somewhere outside "
        "the database and pass it back with --anchor to catch both. Entries whose personal "
        "fields were erased (a person was erased) verify by their references and are counted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="Check only this agency's schema.")
        parser.add_argument(
            "--anchor",
            metavar="HASH",
            help="A head hash printed by an earlier run; fail unless the log still holds it. "
            "Needs --schema.",
        )
        parser.add_argument(
            "--record",
            metavar="FILE",
            help="An exported record (such as an approval's record.json): check that each "
            "activity entry in it still hashes to its hash, and that the log holds it. Sets "
            "--schema, and --anchor to the head the record was exported at.",
        )

    def handle(self, *args, schema=None, anchor=None, record=None, **options):
        proofs = []
        if record:
            try:
                exported = record_read(record)
            except (OSError, ValueError) as error:
                raise CommandError(f"{record} is not an exported record: {error}") from error
            schema, proofs = exported.get("schema"), exported["activity_entries"]
            anchor = anchor or exported.get("anchor")
        if anchor and not schema:
            raise CommandError("--anchor belongs to one agency's log; give its --schema too.")
        agencies = Agency.objects.provisioned()
        if schema:
            agencies = agencies.filter(schema_name=schema)
            if not agencies.exists():
                raise CommandError(f"No agency has the schema {schema!r}.")
        failed = 0
        for agency in agencies:
            with tenant_context(agency):
                broken = activity_first_broken_link()
                lost_anchor = broken is None and anchor is not None and not activity_holds(anchor)
                head = activity_head()
                erased = activity_erased_count()
                problems = [problem for proof in proofs if (problem := proof_problem(proof))]
            for problem in problems:
                self.stdout.write(f"{agency.schema_name}: record {problem}")
            if problems and broken is None and not lost_anchor:
                failed += 1  # otherwise the agency is counted once, below
            if broken is not None:
                failed += 1
                self.stdout.write(
                    f"{agency.schema_name}: broken at entry {broken.pk} "
                    f"({broken.action} at {broken.occurred_at.isoformat()})"
                )
            elif lost_anchor:
                failed += 1
                self.stdout.write(
                    f"{agency.schema_name}: the anchored entry {anchor} is gone; "
                    "entries were deleted or the chain was rewritten"
                )
            elif head is None:
                self.stdout.write(f"{agency.schema_name}: intact (empty)")
            else:
                self.stdout.write(
                    f"{agency.schema_name}: intact; head entry {head.pk} {head.entry_hash}"
                )
                if erased:
                    self.stdout.write(
                        f"{agency.schema_name}: {erased} erased "
                        f"{ngettext('entry', 'entries', erased)} (a person they named was erased: "
                        "their references verify, their personal fields are not vouched for)"
                    )
                if proofs and not problems:
                    self.stdout.write(
                        f"{agency.schema_name}: the record's {len(proofs)} entries are unaltered "
                        "and in the log"
                    )
        if failed:
            logs = ngettext("%d agency log", "%d agency logs", failed) % failed
            raise CommandError(f"{logs} failed verification.")

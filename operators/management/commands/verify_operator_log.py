from django.core.management.base import BaseCommand, CommandError

from operators.log import operator_log_problems
from operators.models import OperatorLogEntry


class Command(BaseCommand):
    help = "Check the operator log's hash chain: exit 1 naming each edited or removed entry."

    def handle(self, *args, **options):
        problems = list(operator_log_problems())
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"The operator log has {len(problems)} problem(s).")
        count = OperatorLogEntry.objects.count()
        self.stdout.write(f"The operator log is intact: {count} entries, each chained to the last.")

"""What operators' suspension and deletion tell the agency side, which the public core may not
import: its receivers write the agency's own activity log and remove its stored files."""

from django.dispatch import Signal

# An agency was suspended or restored, or its deletion scheduled or cancelled. Sent inside the
# action's transaction, so what receivers write commits or rolls back with it. Keyword
# arguments: ``agency``, ``event`` (a Standing value), ``owner`` (the agency's User who asked,
# or None when an operator did) and ``changes`` (words fit for the agency: never the
# operator's internal reason).
agency_standing_changed = Signal()

# The agency's schema is about to be dropped: remove every object stored for it. Keyword
# argument: ``agency``. Receivers return how many objects they deleted, and must be idempotent
# (a failed deletion runs again).
agency_files_purge = Signal()

from tenant_apps.activity.actions import GENESIS_HASH
from tenant_apps.activity.models import ActivityEntry


def activity_first_broken_link() -> ActivityEntry | None:
    """The first entry whose content or chain link does not verify, oldest first."""
    expected_prev = GENESIS_HASH
    for entry in ActivityEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != expected_prev or entry.compute_hash() != entry.entry_hash:
            return entry
        expected_prev = entry.entry_hash
    return None

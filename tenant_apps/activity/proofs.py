"""Activity entries carried outside the database, checkably.

A proof is an entry's fields, the salt and digest of its personal fields, its hash and its
place in the chain, as plain JSON. An exported record (an approval's decision record, say)
embeds the proofs of the entries it rests on; ``verify_activity_log --record`` recomputes each
proof's personal digest (unless the entry was erased: no salt) and hash from its own fields, so
an edited record no longer matches, and checks that the live, intact log still holds it. A
record exported before an erasure still verifies: the log's hashes did not change.
"""

import json
from datetime import datetime
from pathlib import Path

from tenant_apps.activity.hashing import PERSONAL_FIELDS, REFERENCE_FIELDS
from tenant_apps.activity.models import ActivityEntry

# The fields a proof carries to recompute its entry's hash, besides occurred_at and prev_hash.
HASHED_FIELDS = [
    *(name for name in REFERENCE_FIELDS if name != "occurred_at"),
    *PERSONAL_FIELDS,
    "personal_salt",
    "personal_digest",
]


def entry_proof(entry: ActivityEntry) -> dict:
    return {
        "id": entry.pk,
        # How many entries the chain holds up to and including this one.
        "position": ActivityEntry.objects.filter(pk__lte=entry.pk).count(),
        "occurred_at": entry.occurred_at.isoformat(),
        **{name: getattr(entry, name) for name in HASHED_FIELDS},
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


def proof_problem(proof: dict) -> str | None:
    """What is wrong with ``proof`` against the current schema's log, or None."""
    try:
        entry = ActivityEntry(
            occurred_at=datetime.fromisoformat(proof["occurred_at"]),
            prev_hash=proof["prev_hash"],
            **{name: proof[name] for name in HASHED_FIELDS},
        )
        claimed, entry_id = proof["entry_hash"], proof["id"]
        entry.entry_hash = claimed
    except (KeyError, TypeError, ValueError) as error:
        return f"not an activity entry proof ({error!r})"
    if not entry.verifies():
        return f"entry {entry_id}: the record's fields do not hash to {claimed}; it was altered"
    if not ActivityEntry.objects.filter(pk=entry_id, entry_hash=claimed).exists():
        return f"entry {entry_id} ({claimed}) is not in the log"
    return None


def record_read(path: str) -> dict:
    """An exported record: {"schema": ..., "activity_entries": [proof, ...], "anchor": hash}."""
    record = json.loads(Path(path).read_text())
    if not isinstance(record, dict) or not isinstance(record.get("activity_entries"), list):
        raise ValueError("no activity_entries in it")
    return record

"""How an activity entry is hashed (see the README: "Erasing a person").

The chain covers an entry's references (when, who by id, what, on which item, which client)
and ``personal_digest``, a salted commitment to its personal fields (the actor's email then,
the item's label, the changes, the address and browser). Erasing a person blanks the salt and
rewrites those fields: the chain still verifies, since ``personal_digest`` is unchanged, and
the digest without its salt no longer lets anyone confirm a guess of what the fields said.

Pure functions of plain values, so the migration that re-chained the log uses them too.
"""

import hashlib
import json
import secrets

# Blanked or rewritten by an erasure; committed to by personal_digest.
PERSONAL_FIELDS = ("actor_label", "object_label", "changes", "ip_address", "user_agent")
# Hashed as they are: none of them says anything about a person without the user table.
REFERENCE_FIELDS = ("occurred_at", "actor_id", "action", "object_type", "object_id", "company_id")


def _canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def new_salt() -> str:
    return secrets.token_hex(16)


def personal_digest(salt: str, personal: dict) -> str:
    """sha256(salt || canonical JSON of the personal fields)."""
    content = {name: personal[name] for name in PERSONAL_FIELDS}
    return hashlib.sha256(salt.encode() + _canonical(content)).hexdigest()


def chain_hash(references: dict, *, personal_digest: str, prev_hash: str) -> str:
    """The entry's hash: its references, its personal digest and the previous entry's hash.
    ``references["occurred_at"]`` is an ISO 8601 string."""
    content = {name: references[name] for name in REFERENCE_FIELDS}
    content |= {"personal_digest": personal_digest, "prev_hash": prev_hash}
    return hashlib.sha256(_canonical(content)).hexdigest()

"""The operator log: every operator action, append-only and hash-chained in the public schema."""

from collections.abc import Iterator

from django.db import connection, transaction
from django.utils import timezone

from operators.models import OperatorLogEntry
from shared_apps.core.client_ip import client_ip

GENESIS_HASH = "0" * 64


def operator_log_record(
    *, operator, action: str, agency=None, reason: str = "", changes=None, request=None
) -> OperatorLogEntry:
    """Append an entry; call it inside the operator action's transaction. ``agency`` is an
    Agency (its id and name are copied) or None."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Serialises appends so two writers never chain to the same entry.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('operator-log'))")
        last_hash = (
            OperatorLogEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        )
        entry = OperatorLogEntry(
            occurred_at=timezone.now(),
            operator=operator,
            operator_label=operator.email if operator else "",
            action=action,
            agency_id=agency.pk if agency is not None else None,
            agency_label=(agency.name or agency.schema_name) if agency is not None else "",
            reason=reason,
            changes=changes or {},
            ip_address=client_ip(request) if request else None,
            user_agent=request.headers.get("User-Agent", "")[:300] if request else "",
            prev_hash=last_hash or GENESIS_HASH,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        return entry


def operator_log_problems() -> Iterator[str]:
    """Each break in the chain, oldest first: an edited, removed or inserted entry."""
    expected_prev = GENESIS_HASH
    for entry in OperatorLogEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != expected_prev:
            yield f"entry {entry.pk}: does not follow the entry before it (one was removed)"
        if entry.compute_hash() != entry.entry_hash:
            yield f"entry {entry.pk}: its content does not match its hash (it was edited)"
        expected_prev = entry.entry_hash

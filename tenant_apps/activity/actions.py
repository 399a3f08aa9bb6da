from django.db import connection, transaction
from django.utils import timezone

from shared_apps.core.client_ip import client_ip
from tenant_apps.activity.events import audit_events
from tenant_apps.activity.models import ActivityEntry

GENESIS_HASH = "0" * 64


def _company_id(obj) -> int | None:
    """The client company ``obj`` is or belongs to: a company, a client person (a user with a
    client membership) or anything with a ``company_id`` (a company's own is its pk)."""
    if obj is None:
        return None
    # Cached on users loaded by the policy's actor_for or just given a membership.
    member = getattr(obj, "client_member", None)
    return getattr(member or obj, "company_id", None)


def activity_record(*, action, actor=None, target=None, changes=None, request=None):
    """Append an entry to the current agency's log; call it inside the action's transaction.
    ``action`` is an app's audit code (see tenant_apps.activity.events)."""
    if action not in audit_events():
        raise ValueError(f"{action!r} is no app's audit code; add it to the app's audit.py.")
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Serialises appends per schema so two writers never chain to the same entry.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [connection.schema_name])
        last_hash = (
            ActivityEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        )
        entry = ActivityEntry(
            occurred_at=timezone.now(),
            actor=actor,
            actor_label=actor.email if actor else "",
            action=action,
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            object_label=str(target)[:200] if target is not None else "",
            changes=changes or {},
            ip_address=client_ip(request) if request else None,
            user_agent=request.headers.get("User-Agent", "")[:300] if request else "",
            company_id=_company_id(target) or _company_id(actor),
            prev_hash=last_hash or GENESIS_HASH,
        )
        entry.seal()
        entry.save()
        return entry

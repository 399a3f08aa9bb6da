"""Suspending, restoring and deleting agencies: the operators' actions, and the owner's way in
to deletion (an owner may ask for their agency to be deleted, and cancel their own request).

Each action locks the agency row, checks its state, saves, writes the operator log and tells
the agency side (``signals.agency_standing_changed``), all in one transaction. Saving an
Agency clears every process's host cache (tenants.host_cache), so the change shows at once.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import TextChoices
from django.utils import timezone

from billing.models import ConnectedAccount, Subscription
from branding.models import Brand
from operators.log import operator_log_record
from operators.models import AgencyUsageDay, ImpersonationSession, Operator, SupportGrant
from operators.roles import Capability, role_may
from operators.signals import agency_files_purge, agency_standing_changed
from shared_apps.core.tasks import enqueue_on_commit
from tenants.models import Agency, DeletionRequester, SuspensionCategory

# What the agency's people read for each category. The operator's reason stays internal.
PUBLIC_NOTICES = {
    SuspensionCategory.BILLING: "It was suspended because of a billing problem.",
    SuspensionCategory.ABUSE: "It was suspended for a breach of the terms of service.",
    SuspensionCategory.SECURITY: "It was suspended to protect it while we look into a "
    "security concern.",
    SuspensionCategory.REQUESTED: "It was suspended at the agency's request.",
    SuspensionCategory.OTHER: "It was suspended by the platform team.",
}
REASON_MAX_LENGTH = 2000
MESSAGE_MAX_LENGTH = 500
# A deletion waiting on a lock (a long query in the schema) gives up rather than block
# everyone queued behind its lock; the next run tries again.
DROP_LOCK_TIMEOUT = "5s"


class Standing(TextChoices):
    SUSPENDED = "suspended", "Suspended"
    RESTORED = "restored", "Restored"
    DELETION_SCHEDULED = "deletion_scheduled", "Deletion scheduled"
    DELETION_CANCELLED = "deletion_cancelled", "Deletion cancelled"


def public_notice(category: str) -> str:
    return PUBLIC_NOTICES.get(category, PUBLIC_NOTICES[SuspensionCategory.OTHER])


def agency_suspend(
    *, agency, category, reason, operator: Operator, message="", request=None
) -> Agency:
    """Suspend ``agency``: its people see the suspended page (owners still reach billing) and
    its API answers 403. ``reason`` is for operators; ``message`` (optional) is shown to the
    agency under the category's own sentence."""
    _require(operator, Capability.SUSPEND)
    errors = {}
    if category not in SuspensionCategory.values:
        errors["category"] = [f"Choose one of: {', '.join(SuspensionCategory.values)}."]
    reason = _checked_text(errors, "reason", reason, REASON_MAX_LENGTH, required=True)
    message = _checked_text(errors, "message", message, MESSAGE_MAX_LENGTH, required=False)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agency = _locked(agency)
        if agency.is_suspended:
            raise ValidationError(
                f"{agency} is already suspended (since {agency.suspended_at:%Y-%m-%d %H:%M} "
                "UTC). Restore it first to suspend it for another reason."
            )
        agency.suspended_at = timezone.now()
        agency.suspension_category = category
        agency.suspension_reason = reason
        agency.suspension_message = message
        agency.save(update_fields=["suspended_at", "suspension_category", "suspension_reason",
                                   "suspension_message"])  # fmt: skip
        operator_log_record(
            operator=operator.user,
            action="agency.suspended",
            agency=agency,
            reason=reason,
            changes={"category": category, "message": message},
            request=request,
        )
        _tell_agency(agency, Standing.SUSPENDED, changes={"category": category})
    return agency


def agency_restore(*, agency, reason, operator: Operator, request=None) -> Agency:
    """Lift a suspension: everything works again at once."""
    _require(operator, Capability.SUSPEND)
    errors = {}
    reason = _checked_text(errors, "reason", reason, REASON_MAX_LENGTH, required=True)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agency = _locked(agency)
        if not agency.is_suspended:
            raise ValidationError(f"{agency} is not suspended.")
        category = agency.suspension_category
        suspended_at = agency.suspended_at
        agency.suspended_at = None
        agency.suspension_category = ""
        agency.suspension_reason = ""
        agency.suspension_message = ""
        agency.save(update_fields=["suspended_at", "suspension_category", "suspension_reason",
                                   "suspension_message"])  # fmt: skip
        operator_log_record(
            operator=operator.user,
            action="agency.restored",
            agency=agency,
            reason=reason,
            changes={"category": category, "suspended_at": suspended_at.isoformat()},
            request=request,
        )
        _tell_agency(agency, Standing.RESTORED, changes={"category": category})
    return agency


def agency_deletion_schedule(
    *, agency, reason, operator: Operator | None = None, owner=None, request=None
) -> Agency:
    """Ask for ``agency`` to be deleted after the grace period (AGENCY_DELETION_GRACE_DAYS),
    by an operator or by the agency's owner (``owner``: their User in the agency's schema;
    the caller has checked they are its owner)."""
    requester = _requester(operator, owner)
    errors = {}
    reason = _checked_text(errors, "reason", reason, REASON_MAX_LENGTH, required=True)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agency = _locked(agency)
        if agency.is_deletion_scheduled:
            raise ValidationError(
                f"{agency}'s deletion is already scheduled for "
                f"{agency.deletion_due_at:%Y-%m-%d %H:%M} UTC."
            )
        agency.deletion_requested_at = timezone.now()
        agency.deletion_due_at = agency.deletion_requested_at + timedelta(
            days=settings.AGENCY_DELETION_GRACE_DAYS
        )
        agency.deletion_requested_by = requester
        agency.save(
            update_fields=["deletion_requested_at", "deletion_due_at", "deletion_requested_by"]
        )
        due = agency.deletion_due_at.isoformat()
        operator_log_record(
            operator=operator.user if operator else None,
            action="agency.deletion_scheduled",
            agency=agency,
            reason=reason,
            changes={"due_at": due, "requested_by": requester, **_owner_label(owner)},
            request=request,
        )
        _tell_agency(agency, Standing.DELETION_SCHEDULED, owner=owner, changes={"due_at": due})
    return agency


def agency_deletion_cancel(
    *, agency, reason, operator: Operator | None = None, owner=None, request=None
) -> Agency:
    """Keep the agency after all. An owner may cancel only a deletion an owner asked for;
    nobody can once it is due (its files may be gone already)."""
    requester = _requester(operator, owner)
    errors = {}
    reason = _checked_text(errors, "reason", reason, REASON_MAX_LENGTH, required=True)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agency = _locked(agency)
        if not agency.is_deletion_scheduled:
            raise ValidationError(f"No deletion of {agency} is scheduled.")
        if agency.deletion_due_at <= timezone.now():
            raise ValidationError(f"{agency}'s deletion is already under way.")
        if requester == DeletionRequester.OWNER and (
            agency.deletion_requested_by != DeletionRequester.OWNER
        ):
            raise PermissionDenied(
                "The platform scheduled this deletion: write to "
                f"{settings.PLATFORM_SUPPORT_EMAIL} to keep the workspace."
            )
        due = agency.deletion_due_at.isoformat()
        agency.deletion_requested_at = None
        agency.deletion_due_at = None
        agency.deletion_requested_by = ""
        agency.save(
            update_fields=["deletion_requested_at", "deletion_due_at", "deletion_requested_by"]
        )
        operator_log_record(
            operator=operator.user if operator else None,
            action="agency.deletion_cancelled",
            agency=agency,
            reason=reason,
            changes={"due_at": due, "cancelled_by": requester, **_owner_label(owner)},
            request=request,
        )
        _tell_agency(agency, Standing.DELETION_CANCELLED, owner=owner, changes={"due_at": due})
    return agency


@dataclass(frozen=True)
class Deleted:
    name: str
    subdomain: str
    files: int


def agency_delete_due(*, agency_id: int) -> Deleted | None:
    """Delete an agency whose deletion is due: take it offline, purge its files, then in one
    transaction drop its schema, remove its public rows (domains, subscription, brand, usage,
    grants...) and write "agency.deleted" to the operator log. Returns None when there is
    nothing to do (gone already, cancelled, not due). Idempotent: after a failure at any step
    the next run starts again and finishes; the database part is all or nothing."""
    connection.set_schema_to_public()
    now = timezone.now()
    agency = Agency.objects.filter(pk=agency_id, deletion_due_at__lte=now).first()
    if agency is None:
        return None
    if agency.is_active:
        # Off every host first, so nobody writes files or rows while they are being removed.
        agency.is_active = False
        agency.save(update_fields=["is_active"])
    # Storage is not transactional: purged before the rows, so a failure leaves the agency
    # (still due) to be retried, never files without a record of whose they were.
    purged = agency_files_purge.send(Agency, agency=agency)
    if not purged:
        raise ImproperlyConfigured("Nothing removes an agency's files (tenant_apps.files).")
    files = sum(count for _receiver, count in purged)
    with transaction.atomic():
        agency = Agency.objects.select_for_update().filter(pk=agency_id).first()
        if agency is None or agency.deletion_due_at is None:
            return None
        counts = {
            "domains": agency.domains.count(),
            "custom_domains": agency.custom_domains.count(),
            "subscriptions": Subscription.objects.filter(agency=agency).count(),
            "connected_accounts": ConnectedAccount.objects.filter(agency=agency).count(),
            "brands": Brand.objects.filter(agency=agency).count(),
            "usage_days": AgencyUsageDay.objects.filter(agency=agency).count(),
            "support_grants": SupportGrant.objects.filter(agency=agency).count(),
            "impersonation_sessions": ImpersonationSession.objects.filter(agency=agency).count(),
            "files": files,
        }
        operator_log_record(
            operator=None,
            action="agency.deleted",
            agency=agency,
            reason=f"Deletion requested by {agency.get_deletion_requested_by_display().lower()}",
            changes={
                "name": agency.name,
                "subdomain": agency.subdomain,
                "schema": agency.schema_name,
                "requested_at": agency.deletion_requested_at.isoformat(),
                "due_at": agency.deletion_due_at.isoformat(),
                "deleted_at": timezone.now().isoformat(),
                "deleted": counts,
            },
        )
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [DROP_LOCK_TIMEOUT])
        # Sessions protect their grant: removed first so the cascade from the agency may run.
        ImpersonationSession.objects.filter(agency=agency).delete()
        deleted = Deleted(name=agency.name, subdomain=agency.subdomain or "", files=files)
        agency.delete(force_drop=True)  # DROP SCHEMA ... CASCADE, then the rows that cascade
    return deleted


def _require(operator: Operator, capability: str) -> None:
    if operator is None or not role_may(operator.role, capability):
        raise PermissionDenied("Your operator role does not allow this.")


def _requester(operator, owner) -> str:
    if (operator is None) == (owner is None):
        raise ValueError("Give either the operator or the owner who asks.")
    if operator is not None:
        _require(operator, Capability.DELETE)
        return DeletionRequester.OPERATOR
    return DeletionRequester.OWNER


def _owner_label(owner) -> dict:
    return {"owner": owner.email} if owner is not None else {}


def _checked_text(errors: dict, field: str, value, max_length: int, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = ["Say why: this goes into the operator log."]
    elif len(value) > max_length:
        errors[field] = [f"At most {max_length} characters."]
    return value


def _locked(agency) -> Agency:
    locked = Agency.objects.select_for_update().filter(pk=agency.pk, is_spare=False).first()
    if locked is None or locked.schema_name == "public":
        raise ValidationError("No such agency.")
    return locked


def _tell_agency(agency, event: str, *, owner=None, changes: dict) -> None:
    """Its log (in this transaction) and its owners (by email, once committed)."""
    agency_standing_changed.send(Agency, agency=agency, event=event, owner=owner, changes=changes)
    enqueue_on_commit("operators.tasks.standing_notify", agency.pk, event)

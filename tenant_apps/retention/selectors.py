"""What the retention settings say, and what is old enough to go under them."""

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.models import ApprovalRequest
from tenant_apps.client_requests.models import ClientRequest, Status
from tenant_apps.documents.models import Document, DocumentVersion
from tenant_apps.retention.audit import RetentionAudit
from tenant_apps.retention.models import RetentionPolicy


def retention_policy() -> RetentionPolicy:
    """The agency's settings; unsaved defaults (keep everything) until an owner or admin saves."""
    return RetentionPolicy.objects.filter(pk=1).first() or RetentionPolicy(pk=1)


def closed_requests_before(cutoff: datetime) -> QuerySet[ClientRequest]:
    """Requests closed before ``cutoff``. Resolved ones are not closed: a client's reply
    still reopens them."""
    return ClientRequest.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff)


def old_versions_before(cutoff: datetime) -> QuerySet[DocumentVersion]:
    """File versions a newer version replaced before ``cutoff``, except the current one (a
    document's bytes) and any an approval was asked about (its decision names those bytes)."""
    replaced = DocumentVersion.objects.filter(
        document=OuterRef("document"), number__gt=OuterRef("number"), created_at__lt=cutoff
    )
    current = Document.objects.filter(current_version=OuterRef("pk"))
    approved_on = ApprovalRequest.objects.filter(version=OuterRef("pk"))
    return (
        DocumentVersion.objects.filter(Exists(replaced))
        .exclude(Exists(current))
        .exclude(Exists(approved_on))
    )


def last_removal() -> ActivityEntry | None:
    """The latest run that removed something, as the log recorded it."""
    return (
        ActivityEntry.objects.filter(action=RetentionAudit.RETENTION_APPLIED)
        .order_by("-id")
        .first()
    )

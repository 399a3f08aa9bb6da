"""An agency's usage figures, counted in its own schema for the operators' usage rows."""

from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from operators.health import agency_task_failures
from operators.models import EmailBounce
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.documents.models import DocumentVersion, ExtractionState
from tenant_apps.files.selectors import storage_used
from tenant_apps.kit.roles import TeamRole
from tenant_apps.people.models import ClientMember, TeamMember
from tenant_apps.people.selectors import client_companies_used, seats_used
from tenant_apps.webhooks.models import Delivery, DeliveryStatus

# How far back failures count as "recent" on the operator's agency page.
RECENT = timedelta(days=7)
CONTACT_ROLES = (TeamRole.OWNER, TeamRole.ADMIN)


def usage_figures() -> dict:
    """Today's figures for the agency whose schema is current: the fields of
    operators.AgencyUsageDay."""
    now = timezone.now()
    contacts = [
        {"name": name, "email": email, "role": role}
        for name, email, role in TeamMember.objects.filter(
            role__in=CONTACT_ROLES, user__is_active=True
        )
        # Owners first, longest-serving first: the first is the one billing writes to.
        .order_by("-role", "joined_at", "pk")
        .values_list("user__full_name", "user__email", "role")
    ]
    owner = next((c for c in contacts if c["role"] == TeamRole.OWNER), None)
    return {
        "seats": seats_used(with_invitations=False),
        "client_companies": client_companies_used(),
        "client_people": ClientMember.objects.filter(user__is_active=True).count(),
        "storage_bytes": storage_used(),
        "requests_total": ClientRequest.objects.count(),
        "requests_last_30_days": ClientRequest.objects.filter(
            created_at__gte=now - timedelta(days=30)
        ).count(),
        "last_activity_at": ActivityEntry.objects.order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first(),
        # Tasks run for the agency that failed for good (counted by the workers), and
        # documents whose text could not be extracted.
        "failed_tasks": (agency_task_failures(connection.schema_name, days=RECENT.days) or 0)
        + DocumentVersion.objects.filter(
            extraction=ExtractionState.FAILED, created_at__gte=now - RECENT
        ).count(),
        # Deliveries that gave up lately, and those failing and still being retried.
        "webhook_failures": Delivery.objects.filter(
            Q(status=DeliveryStatus.FAILED, completed_at__gte=now - RECENT)
            | Q(status=DeliveryStatus.RETRYING)
        ).count(),
        # Emails the ESP reported bounced, rejected or complained of (public table).
        "bounced_emails": EmailBounce.objects.filter(
            agency_id=connection.tenant.pk, occurred_at__gte=now - RECENT
        ).count(),
        "owner_name": owner["name"] if owner else "",
        "owner_email": owner["email"] if owner else "",
        "contacts": contacts,
    }

"""Reads for the console's agencies: the list, one agency, its usage history.

Only public-schema rows: Agency, Domain, CustomDomain, billing's Subscription and the usage
rows the usage task gathers (operators.AgencyUsageDay). The console never opens an agency's
schema to draw a page, so the list costs the same few queries at 10 or 10,000 agencies.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from billing.plans import GB
from billing.selectors import Access, with_billing_state
from operators.models import AgencyUsageDay, OperatorLogEntry
from tenants.models import Agency, CustomDomain, Domain, DomainStatus


class ConsoleStatus:
    """What the console says about an agency: the platform's own states over billing's."""

    DELETION = "deletion_scheduled"
    SUSPENDED = "suspended"
    SWITCHED_OFF = "switched_off"
    CHOICES = [
        (Access.FULL, "Active"),
        (Access.TRIAL, "Trial"),
        (Access.GRACE, "Grace (payment failed)"),
        (Access.READ_ONLY, "Read-only"),
        (SUSPENDED, "Suspended"),
        (DELETION, "Deletion scheduled"),
        (SWITCHED_OFF, "Switched off"),
    ]
    LABELS = dict(CHOICES)


# The latest usage row's figures, annotated on each agency as usage_<field>.
USAGE_FIELDS = [
    "seats",
    "client_companies",
    "client_people",
    "storage_bytes",
    "requests_last_30_days",
    "last_activity_at",
    "failed_tasks",
    "webhook_failures",
    "owner_name",
    "owner_email",
    "day",
]

# Sort keys offered to operators (a leading "-" reverses): column -> expression.
SORTS = {
    "name": "name",
    "status": "console_status",
    "plan": "billing_plan",
    "mrr": "billing_mrr",
    "seats": "usage_seats",
    "clients": "usage_client_companies",
    "requests": "usage_requests_last_30_days",
    "storage": "usage_storage_bytes",
    "activity": "usage_last_activity_at",
    "trial_ends": "billing_trial_ends_at",
    "created": "created_at",
}


def agencies_annotated() -> QuerySet[Agency]:
    """Every provisioned agency (in service or not) with its console status, billing
    (billing.selectors.with_billing_state), latest usage, primary host and owner emails."""
    latest = AgencyUsageDay.objects.filter(agency_id=OuterRef("pk")).order_by("-day")
    primary = Domain.objects.filter(tenant_id=OuterRef("pk"), is_primary=True)
    agencies = with_billing_state(Agency.objects.provisioned())
    return agencies.annotate(
        console_status=Case(
            When(deletion_requested_at__isnull=False, then=Value(ConsoleStatus.DELETION)),
            When(suspended_at__isnull=False, then=Value(ConsoleStatus.SUSPENDED)),
            When(is_active=False, then=Value(ConsoleStatus.SWITCHED_OFF)),
            default=F("billing_access"),
            output_field=CharField(),
        ),
        primary_domain=Subquery(primary.values("domain")[:1]),
        has_custom_domain=Exists(
            CustomDomain.objects.filter(agency_id=OuterRef("pk"), status=DomainStatus.VERIFIED)
        ),
        # A platform operator set its plan or limits (billing's overrides).
        set_by_platform=ExpressionWrapper(
            Q(subscription__plan_override__gt="")
            | (
                Q(subscription__limit_overrides__isnull=False)
                & ~Q(subscription__limit_overrides={})
            ),
            output_field=BooleanField(),
        ),
        owner_emails_text=Func(
            F("subscription__owner_emails"),
            Value(" "),
            function="array_to_string",
            output_field=CharField(),
        ),
        **{f"usage_{name}": Subquery(latest.values(name)[:1]) for name in USAGE_FIELDS},
    )


@dataclass(frozen=True)
class AgencyFilters:
    """What the list's form or the API's query asked for; empty fields filter nothing."""

    q: str = ""
    status: str = ""
    plan: str = ""
    trial_ends_within_days: int | None = None
    mrr_min: Decimal | None = None
    mrr_max: Decimal | None = None
    active_within_days: int | None = None
    inactive_for_days: int | None = None
    storage_min_gb: Decimal | None = None
    seats_min: int | None = None
    clients_min: int | None = None
    requests_min: int | None = None
    custom_domain: bool | None = None
    sort: str = "name"


def agencies_listed(filters: AgencyFilters) -> QuerySet[Agency]:
    """The agencies matching ``filters``, sorted; one query whatever their number."""
    agencies = agencies_annotated()
    now = timezone.now()
    if filters.q:
        q = filters.q
        agencies = agencies.filter(
            Q(name__icontains=q)
            | Q(subdomain__icontains=q)
            | Q(owner_emails_text__icontains=q)
            | Q(usage_owner_email__icontains=q)
            | Exists(Domain.objects.filter(tenant_id=OuterRef("pk"), domain__icontains=q))
            | Exists(CustomDomain.objects.filter(agency_id=OuterRef("pk"), name__icontains=q))
        )
    if filters.status:
        agencies = agencies.filter(console_status=filters.status)
    if filters.plan:
        agencies = agencies.filter(billing_plan=filters.plan)
    if filters.trial_ends_within_days is not None:
        agencies = agencies.filter(
            billing_access=Access.TRIAL,
            billing_trial_ends_at__lte=now + timedelta(days=filters.trial_ends_within_days),
        )
    if filters.mrr_min is not None:
        agencies = agencies.filter(billing_mrr__gte=filters.mrr_min)
    if filters.mrr_max is not None:
        agencies = agencies.filter(billing_mrr__lte=filters.mrr_max)
    if filters.active_within_days is not None:
        since = now - timedelta(days=filters.active_within_days)
        agencies = agencies.filter(usage_last_activity_at__gte=since)
    if filters.inactive_for_days is not None:
        since = now - timedelta(days=filters.inactive_for_days)
        agencies = agencies.filter(
            Q(usage_last_activity_at__lt=since) | Q(usage_last_activity_at__isnull=True)
        )
    if filters.storage_min_gb is not None:
        agencies = agencies.filter(usage_storage_bytes__gte=int(filters.storage_min_gb * GB))
    if filters.seats_min is not None:
        agencies = agencies.filter(usage_seats__gte=filters.seats_min)
    if filters.clients_min is not None:
        agencies = agencies.filter(usage_client_companies__gte=filters.clients_min)
    if filters.requests_min is not None:
        agencies = agencies.filter(usage_requests_last_30_days__gte=filters.requests_min)
    if filters.custom_domain is not None:
        agencies = agencies.filter(has_custom_domain=filters.custom_domain)
    return agencies.order_by(*sort_order(filters.sort))


def sort_order(sort: str) -> list:
    """``sort`` (a key of SORTS, "-" first for descending) as order_by arguments: missing
    figures last either way, and the name then id to keep pages stable."""
    descending = sort.startswith("-")
    expression = F(SORTS.get(sort.lstrip("-"), "name"))
    first = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return [first, "name", "pk"]


def agency_for_console(agency_id: int) -> Agency | None:
    """One provisioned agency with the list's annotations, or None (a spare, the platform)."""
    return agencies_annotated().filter(pk=agency_id).select_related("subscription").first()


def usage_history(agency: Agency, *, days: int = 90) -> list[AgencyUsageDay]:
    """The agency's usage rows of the last ``days`` days, oldest first."""
    since = timezone.localdate() - timedelta(days=days - 1)
    return list(AgencyUsageDay.objects.filter(agency=agency, day__gte=since).order_by("day"))


def agency_domains(agency: Agency) -> dict:
    """Its routing names (Domain) and its custom domain claims (CustomDomain)."""
    return {
        "routing": list(Domain.objects.filter(tenant=agency).order_by("-is_primary", "domain")),
        "custom": list(CustomDomain.objects.filter(agency=agency).order_by("name")),
    }


def agency_operator_actions(agency: Agency, *, limit: int = 20) -> list[OperatorLogEntry]:
    return list(OperatorLogEntry.objects.filter(agency_id=agency.pk).order_by("-id")[:limit])

import logging

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

from shared_apps.core import regional
from tenants import template
from tenants.clusters import PRIMARY, schema_drop, validate_cluster_name

logger = logging.getLogger(__name__)


class AgencyQuerySet(models.QuerySet):
    def provisioned(self):
        """Agencies with a schema and data of their own, in service or not: not a spare, not
        the platform's own (for checks and clean-ups that must not skip a paused agency)."""
        return self.filter(is_spare=False).exclude(schema_name="public")

    def live(self):
        """Agencies in service: provisioned and active."""
        return self.provisioned().filter(is_active=True)

    def serving(self):
        """Live and not suspended: whom the agency side's periodic work (reminders, digests,
        reports, webhooks) runs for. A suspended agency's billing still runs (live)."""
        return self.live().filter(suspended_at__isnull=True)

    def spares(self):
        return self.filter(is_spare=True)


class SuspensionCategory(models.TextChoices):
    BILLING = "billing", "Billing"
    ABUSE = "abuse", "Abuse"
    SECURITY = "security", "Security"
    REQUESTED = "requested", "At the agency's request"
    OTHER = "other", "Other"


class DeletionRequester(models.TextChoices):
    OPERATOR = "operator", "A platform operator"
    OWNER = "owner", "The agency's owner"


class Agency(TenantMixin):
    """An agency: one PostgreSQL schema holding its people, clients and work.

    Spare rows (``is_spare``) are fully migrated schemas waiting in the pool;
    signup claims one by renaming its schema. Being ordinary tenants, spares
    are migrated by every ``migrate_schemas`` run.
    """

    name = models.CharField(max_length=120)
    subdomain = models.SlugField(max_length=40, unique=True, null=True, blank=True)
    is_spare = models.BooleanField(default=False, db_index=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Defaults for its people (each may set their own): the zone times are shown in and
    # the locale dates and money are written in.
    time_zone = models.CharField(
        max_length=64, default=regional.DEFAULT_TIME_ZONE, validators=[regional.validate_time_zone]
    )
    locale = models.CharField(
        max_length=16, default=regional.DEFAULT_LOCALE, validators=[regional.validate_locale]
    )

    # Suspended by an operator (operators.suspension): the portal shows why, the API
    # answers 403 with the category as its code; owners still reach billing.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_category = models.CharField(
        max_length=20, choices=SuspensionCategory.choices, blank=True
    )
    suspension_reason = models.TextField(blank=True)  # the operator's, internal
    # What the agency's people are told besides the category's own sentence; may be empty.
    suspension_message = models.TextField(max_length=500, blank=True)
    # Deletion asked for (by an operator or the owner): the schema, files and public rows are
    # removed by a task once ``deletion_due_at`` has passed, unless cancelled before.
    deletion_requested_at = models.DateTimeField(null=True, blank=True)
    deletion_due_at = models.DateTimeField(null=True, blank=True)
    # Who asked: an owner may cancel their own request; an operator's only support can.
    deletion_requested_by = models.CharField(
        max_length=10, choices=DeletionRequester.choices, blank=True
    )

    # The PostgreSQL cluster holding its schema (tenants.clusters): "default" is the primary.
    database = models.CharField(max_length=63, default=PRIMARY, validators=[validate_cluster_name])
    # Being moved to another cluster (agency_move): until then its portal and API refuse
    # writes with a 503 and its tasks wait; reads go on.
    moving_since = models.DateTimeField(null=True, blank=True)

    auto_create_schema = True
    auto_drop_schema = True

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self):
        return self.name or self.schema_name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """The schema as a copy of the migrated template (tenants.template), which carries
        its migration records, content types and permissions: nothing is migrated after.
        Migrated the stock way when there is no template setting or the copy fails."""
        if check_if_exists and schema_exists(self.schema_name):
            return False
        if not (sync_schema and settings.TENANT_BASE_SCHEMA):
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        try:
            with transaction.atomic():  # a savepoint in the caller's transaction
                template.template_ensure_current()
                template.schema_clone(self.schema_name)
        except (DatabaseError, template.TemplateUnsupported):
            logger.exception("Copying the template schema failed; migrating %s", self.schema_name)
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        connection.set_schema_to_public()
        return True

    def _drop_schema(self, force_drop=False):
        if self.database == PRIMARY:
            super()._drop_schema(force_drop)
        elif self.auto_drop_schema or force_drop:
            schema_drop(self.database, self.schema_name)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_deletion_scheduled(self) -> bool:
        return self.deletion_due_at is not None


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class DomainStatus(models.TextChoices):
    PENDING = "pending", "Waiting for DNS"
    FAILED = "failed", "Check failed"
    VERIFIED = "verified", "Verified"


class CustomDomainQuerySet(models.QuerySet):
    def with_primary(self):
        """Annotate ``is_primary``: the agency's routing row for this name is its primary."""
        primary = Domain.objects.filter(
            tenant=models.OuterRef("agency"), domain=models.OuterRef("name"), is_primary=True
        )
        return self.annotate(is_primary=models.Exists(primary))


class CustomDomain(models.Model):
    """An agency's claim on a domain of its own, such as ``portal.acme.com``.

    Only a verified claim routes: verification adds the ``Domain`` row the host
    router reads, so a pending or failed claim never reaches the agency. Several
    agencies may claim the same name; one at most can verify it.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="custom_domains")
    name = models.CharField(max_length=253)
    token = models.CharField(max_length=64)  # the TXT record's value proves control of the name
    status = models.CharField(
        max_length=10, choices=DomainStatus.choices, default=DomainStatus.PENDING
    )
    failure = models.CharField(max_length=500, blank=True)  # the last check's reason, in words
    check_queued_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CustomDomainQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "name"], name="custom_domain_once_per_agency"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(status="verified"),
                name="custom_domain_verified_once",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_checking(self) -> bool:
        """A check is queued and has not reported yet."""
        return self.check_queued_at is not None and (
            self.checked_at is None or self.checked_at < self.check_queued_at
        )

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class AgencyQuerySet(models.QuerySet):
    def live(self):
        return self.filter(is_spare=False).exclude(schema_name="public")

    def spares(self):
        return self.filter(is_spare=True)


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

    auto_create_schema = True
    auto_drop_schema = True

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self):
        return self.name or self.schema_name


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain

"""django-tenants' backend, minus the redundant ``SET search_path``, with a cap on the
agencies one connection serves.

Stock ``set_tenant()`` forgets which search_path the session holds on every
call, so each request pays a ``SET`` even when the pooled connection already
points at the right schema. Here the memory is kept when the schema is
unchanged. The parent still clears it on close, rollback and savepoint
rollback, where PostgreSQL may have discarded the setting. Safe only with
direct connections or PgBouncer in session mode.

A PostgreSQL backend keeps the catalog entries of every schema it has touched and never
frees them (~165 KB per agency on the API path, ~1.6 MB with every table). Once a
connection has served ``TENANT_SCHEMAS_PER_CONNECTION`` agencies it is closed between
requests (or tasks), so a long-lived connection's memory stays bounded.
"""

from django.conf import settings
from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        self.schemas_served = set()  # before the parent's __init__, which sets the schema
        super().__init__(*args, **kwargs)

    def close(self):
        super().close()
        self.schemas_served = set()

    def set_tenant(self, tenant, include_public=True):
        self.schemas_served.add(tenant.schema_name)
        unchanged = (
            self.schema_name == tenant.schema_name and self.include_public_schema == include_public
        )
        if unchanged:
            # Same schema: keep the known search_path and the ContentType cache.
            self.tenant = tenant
            return
        super().set_tenant(tenant, include_public)

    def close_if_unusable_or_obsolete(self):
        if (
            self.connection is not None
            and not self.in_atomic_block
            and len(self.schemas_served) > settings.TENANT_SCHEMAS_PER_CONNECTION
        ):
            self.close()
            return
        super().close_if_unusable_or_obsolete()

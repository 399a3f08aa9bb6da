"""django-tenants' backend, minus the redundant ``SET search_path``.

Stock ``set_tenant()`` forgets which search_path the session holds on every
call, so each request pays a ``SET`` even when the pooled connection already
points at the right schema. Here the memory is kept when the schema is
unchanged. The parent still clears it on close, rollback and savepoint
rollback, where PostgreSQL may have discarded the setting. Safe only with
direct connections or PgBouncer in session mode.
"""

from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    def set_tenant(self, tenant, include_public=True):
        unchanged = (
            self.schema_name == tenant.schema_name and self.include_public_schema == include_public
        )
        if unchanged:
            # Same schema: keep the known search_path and the ContentType cache.
            self.tenant = tenant
            return
        super().set_tenant(tenant, include_public)

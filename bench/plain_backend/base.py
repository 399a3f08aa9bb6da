"""Django's plain PostgreSQL backend, plus the one attribute tenancy-aware code reads.

The no-tenancy variant pins search_path with connection OPTIONS and never switches it;
middleware shared by all variants (SessionGuardMiddleware) still asks
``connection.schema_name``, so this answers with the pinned schema. No SET is ever sent.
"""

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def schema_name(self) -> str:
        return self.settings_dict["SCHEMA"]

"""Public-only models (the apps in SHARED_APPS only: agencies, billing, branding, operators...)
have their tables on the primary alone. While the ``default`` connection serves an agency on
another cluster (tenants.clusters), they are read and written through the "primary" alias;
otherwise through ``default`` itself, so on one cluster nothing changes (signup stays one
transaction)."""

from django.db import DEFAULT_DB_ALIAS, connections

from tenants.clusters import PRIMARY_ALIAS, public_only_app_labels

SAME_DATABASE = {DEFAULT_DB_ALIAS, PRIMARY_ALIAS, None}


class PublicModelsOnPrimary:
    def db_for_read(self, model, **hints):
        if model._meta.app_label not in public_only_app_labels():
            return None
        return PRIMARY_ALIAS if connections[DEFAULT_DB_ALIAS].cluster_moved else DEFAULT_DB_ALIAS

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        # A public row read through either alias is the same row of the primary.
        labels = public_only_app_labels()
        if (
            obj1._meta.app_label in labels
            and obj2._meta.app_label in labels
            and {obj1._state.db, obj2._state.db} <= SAME_DATABASE
        ):
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        # The primary is migrated as "default"; the alias is only another way in.
        return False if db == PRIMARY_ALIAS else None

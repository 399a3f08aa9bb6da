import secrets

from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import schema_rename

from shared_apps.core.tasks import enqueue_on_commit
from tenants.models import Agency, Domain
from tenants.validators import schema_name_for

POOL_LOCK_KEY = 0x5C4E_4D41  # pg advisory lock: one pool filler at a time


def agency_provision(*, name, subdomain) -> tuple[Agency, bool]:
    """Give a new agency its schema and domain; returns (agency, came from the pool).

    Claims a pre-migrated spare schema by renaming it; when the pool is empty
    the schema is created and migrated here instead. Call it inside the
    caller's transaction: PostgreSQL DDL is transactional, so a later failure
    also undoes the rename or the new schema.
    """
    agency = _claim_spare(name=name, subdomain=subdomain)
    from_pool = agency is not None
    if agency is None:
        agency = Agency(schema_name=schema_name_for(subdomain), name=name, subdomain=subdomain)
        agency.save(verbosity=0)
    else:
        enqueue_on_commit("tenants.tasks.fill_schema_pool")
    Domain.objects.create(
        domain=f"{subdomain}.{settings.PLATFORM_DOMAIN}", tenant=agency, is_primary=True
    )
    return agency, from_pool


def _claim_spare(*, name, subdomain) -> Agency | None:
    spare = (
        Agency.objects.spares().select_for_update(skip_locked=True).order_by("created_at").first()
    )
    if spare is None:
        return None
    schema_rename(spare, schema_name_for(subdomain), save=False)
    spare.name = name
    spare.subdomain = subdomain
    spare.is_spare = False
    spare.save()
    return spare


def schema_pool_fill(*, size: int) -> int:
    """Migrate new spare schemas until the pool holds ``size``; returns how many were made.

    Returns 0 at once when another process is already filling.
    """
    connection.set_schema_to_public()  # tenants can only be created from public
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [POOL_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return 0
    try:
        created = 0
        while Agency.objects.spares().count() < size:
            # Row and schema in one transaction: a signup claiming spares meanwhile must not
            # find the row before the schema exists (tenant save() makes the row first).
            with transaction.atomic():
                Agency(schema_name=f"spare_{secrets.token_hex(6)}", is_spare=True).save(verbosity=0)
            created += 1
        return created
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [POOL_LOCK_KEY])

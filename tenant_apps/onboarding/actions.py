from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_tenants.utils import tenant_context

from billing.actions import trial_start
from shared_apps.accounts.models import User
from tenant_apps.people.actions import team_owner_create
from tenants.actions import agency_provision
from tenants.models import Agency


@dataclass(frozen=True)
class Signup:
    agency: Agency
    owner: User
    from_pool: bool


def agency_signup(
    *, name, subdomain, owner_name, owner_email, owner_password, request=None
) -> Signup:
    """Create an agency and its first owner, or nothing at all."""
    # ~100 ms of CPU: hashed before the transaction so no lock is held meanwhile.
    password_hash = make_password(owner_password)
    with transaction.atomic():
        agency, from_pool = agency_provision(name=name, subdomain=subdomain)
        with tenant_context(agency):
            owner = team_owner_create(
                email=owner_email,
                full_name=owner_name,
                password_hash=password_hash,
                request=request,
            )
        trial_start(agency=agency)  # billing: 14 days, no card
    return Signup(agency=agency, owner=owner, from_pool=from_pool)

"""Billing writes to the agency's owners without reading the agency's schema: the people
actions store the owners' addresses on the subscription whenever who the owners are changes,
and the trial emails and the Stripe customer use what is stored."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.models import Subscription
from billing.tasks import customer_create, trial_notices
from tenant_apps.kit.roles import TeamRole
from tenant_apps.people.actions import team_member_create, team_role_change, user_deactivate
from tenant_apps.people.models import TeamMember
from tests import stripe_standin as standin
from tests.test_billing_pages import subscription_set

stripe_standin, billing_on = standin.stripe_standin, standin.billing_on  # fixtures

OWNER, ADMIN = "owner@acme.example", "admin@acme.example"


def stored(agency) -> list[str]:
    return Subscription.objects.get(agency=agency).owner_emails


def promote_admin(world) -> None:
    owner = world.personas["owner"].user
    with tenant_context(world.acme):
        admin = TeamMember.objects.get(user__email=ADMIN)
        team_role_change(member=admin, role=TeamRole.OWNER, actor=owner)


def test_each_change_of_owners_updates_the_stored_addresses(world):
    owner = world.personas["owner"].user
    assert stored(world.acme) == [OWNER]  # the first owner, at signup
    assert stored(world.globex) == ["owner@globex.example"]

    promote_admin(world)
    assert stored(world.acme) == [OWNER, ADMIN]  # longest-serving first

    with tenant_context(world.acme):
        new = team_member_create(
            email="Co.Owner@Acme.example",
            full_name="Co Owner",
            role=TeamRole.OWNER,
            password_hash=None,
            actor=owner,
        )
    assert stored(world.acme) == [OWNER, ADMIN, "co.owner@acme.example"]

    with tenant_context(world.acme):
        user_deactivate(user=world.personas["admin"].user, actor=owner)
    assert stored(world.acme) == [OWNER, "co.owner@acme.example"]

    with tenant_context(world.acme):
        team_role_change(member=new, role=TeamRole.ADMIN, actor=owner)
        staff = TeamMember.objects.get(user__email="staff@acme.example")
        team_role_change(member=staff, role=TeamRole.ADMIN, actor=owner)
    assert stored(world.acme) == [OWNER]
    assert stored(world.globex) == ["owner@globex.example"]  # another agency's untouched


def test_trial_emails_and_the_stripe_customer_use_the_stored_addresses(
    world, billing_on, mailoutbox
):
    promote_admin(world)
    subscription_set(world, trial_ends_at=timezone.now() + timedelta(days=2))

    with CaptureQueriesContext(connection) as queries:
        assert trial_notices() == 1
        customer_create(world.acme.pk)

    [notice] = mailoutbox
    assert notice.to == [OWNER, ADMIN]
    [customer] = billing_on.customers.values()
    assert customer["email"] == OWNER
    # Billing read no table of the agency's schema.
    assert not [query for query in queries if "people_" in query["sql"]]


def test_the_migration_fills_the_owners_of_every_live_agency(world):
    promote_admin(world)
    Subscription.objects.filter(agency=world.acme).update(owner_emails=[])
    Subscription.objects.filter(agency=world.globex).delete()  # an agency older than billing
    migration = importlib.import_module("billing.migrations.0003_subscription_owner_emails")

    migration.fill_owner_emails(apps, SimpleNamespace(connection=connection))

    assert stored(world.acme) == [OWNER, ADMIN]
    globex = Subscription.objects.get(agency=world.globex)
    assert globex.owner_emails == ["owner@globex.example"]
    assert (globex.plan, globex.status) == (settings.BILLING_TRIAL_PLAN, "trial")
    assert globex.trial_ends_at == world.globex.created_at + timedelta(
        days=settings.BILLING_TRIAL_DAYS
    )

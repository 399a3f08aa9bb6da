import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import tenant_context

from operators.demo import demo_operator_ensure
from shared_apps.accounts.models import User
from shared_apps.signup.actions import agency_signup
from tenant_apps.kit.roles import ClientRole, TeamRole
from tenant_apps.onboarding.demo_data import AGENCIES, DEMO_PASSWORD, client_email
from tenant_apps.onboarding.demo_history import history_write
from tenant_apps.people.models import ClientCompany
from tenants.middleware import agency_url, platform_url
from tenants.models import Agency


class Command(BaseCommand):
    help = (
        "Create the demo agencies with months of history (idempotent: an agency that exists "
        "keeps what it has, and its history is written once) and print where to sign in."
    )

    def handle(self, *args, **options):
        password_hash = None  # hashed once for everyone, and only when someone is made
        lines = [f"  Landing and signup: {platform_url()}"]
        for spec in AGENCIES:
            started = time.monotonic()
            agency = Agency.objects.filter(subdomain=spec.subdomain).first()
            if agency is None:
                owner_name, owner_email = spec.owner
                agency = agency_signup(
                    name=spec.name,
                    subdomain=spec.subdomain,
                    owner_name=owner_name,
                    owner_email=owner_email,
                    owner_password=DEMO_PASSWORD,
                ).agency
            with tenant_context(agency):
                # The history's first client marks it written (its companies are made first).
                if not ClientCompany.objects.filter(name=spec.clients[0].name).exists():
                    password_hash = password_hash or make_password(DEMO_PASSWORD)
                    owner = User.objects.get(email=spec.owner[1])
                    with transaction.atomic():
                        steps = history_write(spec, owner, password_hash)
                    self.stderr.write(
                        f"  {spec.name}: {steps} steps of history written in "
                        f"{time.monotonic() - started:.1f} s"
                    )
            lines += [f"  {spec.name + ':':<19} {agency_url(spec.subdomain)}", *_logins(spec)]
        lines += demo_operator_ensure(password=DEMO_PASSWORD)
        lines.append(f"  Every demo person's password: {DEMO_PASSWORD}")
        self.stdout.write("\n" + "\n".join(lines) + "\n")


def _logins(spec) -> list[str]:
    """Who to sign in as: the team, and the people of the agency's first client, by role."""
    team = [(spec.owner[1], TeamRole.OWNER.label)]
    limited = ", some clients only"
    team += [
        (email, TeamRole(role).label + (limited if email == spec.limited_staff else ""))
        for _, email, role in spec.team
    ]
    client = spec.clients[0]
    people = [
        (client_email(client, name), f"{ClientRole(role).label}, {client.name}")
        for name, role in client.people
    ]
    return [f"    {email:<28} {role}" for email, role in team + people]

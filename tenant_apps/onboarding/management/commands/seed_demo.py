import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from shared_apps.signup.actions import agency_signup
from tenant_apps.onboarding.demo_data import AGENCIES, DEMO_PASSWORD
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
            lines += [
                f"  {spec.name + ':':<19} {agency_url(spec.subdomain)}",
                f"    sign in as {spec.owner[1]} (or any of its people) / {DEMO_PASSWORD}",
            ]
        self.stdout.write("\n" + "\n".join(lines) + "\n")

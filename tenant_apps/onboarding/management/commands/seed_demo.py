from django.core.management.base import BaseCommand

from tenant_apps.onboarding.actions import agency_signup
from tenants.middleware import agency_url, platform_url
from tenants.models import Agency

DEMO_SUBDOMAIN = "demo"
DEMO_OWNER = ("Olivia Owner", "owner@demo.example", "portal-demo-2026")


class Command(BaseCommand):
    help = "Create the demo agency (idempotent) and print where to sign in."

    def handle(self, *args, **options):
        if not Agency.objects.filter(subdomain=DEMO_SUBDOMAIN).exists():
            name, email, password = DEMO_OWNER
            agency_signup(
                name="Demo Agency",
                subdomain=DEMO_SUBDOMAIN,
                owner_name=name,
                owner_email=email,
                owner_password=password,
            )
        self.stdout.write(
            "\n"
            f"  Landing and signup: {platform_url()}\n"
            f"  Demo agency:        {agency_url(DEMO_SUBDOMAIN)}\n"
            f"  Demo owner login:   {DEMO_OWNER[1]} / {DEMO_OWNER[2]}\n"
        )

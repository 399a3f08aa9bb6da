from django.core.management.base import BaseCommand, CommandError

from shared_apps.signup.actions import agency_signup_from
from shared_apps.signup.forms import SignupForm
from tenants.middleware import agency_url


class Command(BaseCommand):
    help = "Create an agency and its owner, with the same checks as the signup page."

    def add_arguments(self, parser):
        parser.add_argument("subdomain")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args, **options):
        form = SignupForm(
            {
                "agency_name": options["name"],
                "subdomain": options["subdomain"],
                "owner_name": options["owner_name"],
                "owner_email": options["owner_email"],
                "password": options["password"],
            }
        )
        if not form.is_valid():
            errors = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in form.errors.items())
            raise CommandError(errors)
        data = form.cleaned_data
        signup = agency_signup_from(data)
        self.stdout.write(f"Created {signup.agency.name} at {agency_url(signup.agency.subdomain)}")

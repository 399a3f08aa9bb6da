import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from operators.actions import operator_create
from operators.roles import Role
from tenants.middleware import platform_url


class Command(BaseCommand):
    help = (
        "Create a platform operator (public schema). They set up two-factor authentication "
        "the first time they sign in to the operator console."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="Their full name.")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}.")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of asking.",
        )

    def handle(self, *args, email, name, role, password_from_env, **options):
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}: use one of {', '.join(Role.values)}.")
        if password_from_env:
            password = os.environ.get(password_from_env)
            if not password:
                raise CommandError(f"The environment variable {password_from_env} is empty.")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            operator = operator_create(email=email, full_name=name, role=role, password=password)
        except ValidationError as invalid:
            problems = [
                f"{field}: {' '.join(errors)}" for field, errors in invalid.message_dict.items()
            ]
            raise CommandError("Not created. " + "; ".join(problems)) from None
        self.stdout.write(
            f"Created operator {operator.user.email} ({operator.get_role_display()}).\n"
            f"Next: sign in at {platform_url('/operator/login/')} with this email and password; "
            "the first sign-in sets up two-factor authentication (scan a QR code with an "
            "authenticator app) and shows ten recovery codes once."
        )

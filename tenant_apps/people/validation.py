"""Input rules shared by the page forms and the API serializers."""

from django.core.exceptions import ValidationError

from shared_apps.accounts.models import User
from tenant_apps.people.models import ClientCompany, Invitation

COMPANY_NAME_TAKEN = "A client company with this name already exists."


def validate_invitable_email(value: str) -> None:
    if User.objects.filter(email__iexact=value).exists():
        raise ValidationError("This person already has an account here.", code="taken")
    if Invitation.objects.pending().filter(email__iexact=value).exists():
        raise ValidationError(
            "This email already has a pending invitation; revoke it to send a new one.",
            code="pending",
        )


def validate_company_name_available(value: str) -> None:
    if ClientCompany.objects.filter(name__iexact=value.strip()).exists():
        raise ValidationError(COMPANY_NAME_TAKEN, code="taken")

"""Signup rules shared by the page form and the API serializer."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from shared_apps.accounts.models import User
from tenants.models import Agency
from tenants.validators import validate_subdomain


def validate_subdomain_available(value: str) -> None:
    validate_subdomain(value)
    if Agency.objects.filter(subdomain=value).exists():
        raise ValidationError("That subdomain is taken; choose another.", code="taken")


def password_errors(*, password, email, full_name) -> list[str]:
    try:
        validate_password(password, user=User(email=email, full_name=full_name))
    except ValidationError as exc:
        return list(exc.messages)
    return []

import re

from django.core.exceptions import ValidationError

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
RESERVED_SUBDOMAINS = frozenset(
    [
        "www",
        "api",
        "admin",
        "app",
        "apps",
        "mail",
        "email",
        "smtp",
        "imap",
        "pop",
        "static",
        "media",
        "assets",
        "cdn",
        "help",
        "support",
        "status",
        "docs",
        "blog",
        "billing",
        "auth",
        "login",
        "signup",
        "account",
        "accounts",
        "dashboard",
        "portal",
        "internal",
        "public",
        "root",
        "test",
        "dev",
        "staging",
        "ns",
        "ns1",
        "ns2",
        "mx",
        "ftp",
        "webmail",
    ]
)


def validate_subdomain(value: str) -> None:
    if value != value.lower():
        raise ValidationError("Use lowercase letters only.", code="uppercase")
    if not 3 <= len(value) <= 40:
        raise ValidationError("Use 3 to 40 characters.", code="length")
    if value.startswith("-") or value.endswith("-"):
        raise ValidationError("It cannot start or end with a hyphen.", code="hyphen")
    if not SUBDOMAIN_RE.match(value):
        raise ValidationError("Use only letters, digits and hyphens.", code="characters")
    if value in RESERVED_SUBDOMAINS:
        raise ValidationError(f"“{value}” is reserved; choose another.", code="reserved")


def schema_name_for(subdomain: str) -> str:
    # A fixed prefix keeps agency schemas clear of public, pg_* and information_schema.
    return "agency_" + subdomain.replace("-", "_")

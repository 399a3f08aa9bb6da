import ipaddress
import re

from django.conf import settings
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
    if (
        value in RESERVED_SUBDOMAINS
        or value == _cname_target_label()
        # Its schema would be the one new schemas are copied from (tenants.template).
        or schema_name_for(value) == settings.TENANT_BASE_SCHEMA
    ):
        raise ValidationError(f"“{value}” is reserved; choose another.", code="reserved")


def _cname_target_label() -> str | None:
    """The agency-style label of the custom-domain CNAME target, e.g. ``domains`` in
    ``domains.portal.example.com``: no agency may take it as its subdomain."""
    suffix = "." + settings.PLATFORM_DOMAIN
    target = settings.CUSTOM_DOMAIN_CNAME_TARGET
    return target.removesuffix(suffix) if target.endswith(suffix) else None


LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
TLD_RE = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
MALFORMED = (
    "Enter a domain name like portal.acme.com: letters, digits and hyphens, with dots "
    "between the parts."
)


def _platform_names() -> list[str]:
    return [settings.PLATFORM_DOMAIN, settings.CUSTOM_DOMAIN_CNAME_TARGET]


def clean_custom_domain(raw: str) -> str:
    """An agency's own domain, normalised (lowercase, ASCII, no trailing dot); ValidationError
    with a message saying what is wrong otherwise. Pasted URLs lose their scheme and slash."""
    value = raw.strip().lower()
    for scheme in ("https://", "http://"):
        value = value.removeprefix(scheme)
    value = value.removesuffix("/").removesuffix(".")
    if not value:
        raise ValidationError("Enter a domain name, such as portal.acme.com.", code="required")
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValidationError(
            "IP addresses can't be used. Enter a domain name, such as portal.acme.com.",
            code="ip_address",
        )
    if "/" in value or " " in value:
        raise ValidationError(
            "Enter just the domain name, such as portal.acme.com, without a path or spaces.",
            code="malformed",
        )
    if ":" in value:
        raise ValidationError("Leave out the port: enter just the domain name.", code="port")
    if value.startswith("*."):
        raise ValidationError(
            "Wildcard domains aren't supported; add each name you want to use.", code="wildcard"
        )
    try:
        value = value.encode("idna").decode("ascii")  # café.example → xn--caf-dma.example
    except UnicodeError:
        raise ValidationError(MALFORMED, code="malformed") from None
    for platform in _platform_names():
        if value == platform or value.endswith("." + platform):
            raise ValidationError(
                f"{value} belongs to the platform itself; use a domain of your own, such as "
                "portal.yourcompany.com.",
                code="platform",
            )
    labels = value.split(".")
    if (
        len(value) > 253
        or len(labels) < 2
        or not all(LABEL_RE.match(label) for label in labels)
        or not TLD_RE.match(labels[-1])
    ):
        raise ValidationError(MALFORMED, code="malformed")
    return value


def schema_name_for(subdomain: str) -> str:
    # A fixed prefix keeps agency schemas clear of public, pg_* and information_schema.
    return "agency_" + subdomain.replace("-", "_")

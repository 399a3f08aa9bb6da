"""Two-factor for agency people: the helpers are shared with operators
(shared_apps.accounts.two_factor); what is the agency's own is here."""

from django.db import connection

from branding.selectors import brand_for


def totp_issuer(device) -> str:
    """The name the authenticator app files the entry under: the agency's portal
    (the platform's name on the platform host, for operators)."""
    return brand_for(getattr(connection, "tenant", None)).portal_name

"""Single-purpose links: what a link-opened session may reach, and how one is opened.

Opening a link signs its person in with a session limited to the link's item: the pages at
and under its path. Anything else in the workspace treats them as signed out (and so asks
them to sign in), and the session ends as soon as the link is revoked or expires.
"""

from django.contrib import auth
from django.db import connection

from tenant_apps.notifications.models import ActionLink
from tenant_apps.security.link_secrets import secret_digest
from tenant_apps.security.sign_in import METHOD_KEY, MODEL_BACKEND

SCOPE_KEY = "notifications:action-link"
ACTION_LINK_METHOD = "action_link"  # how the session signed in, for approval decisions


class LinkRefused(Exception):
    """``reason``: "malformed", "foreign", "unknown", "revoked" or "expired"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def action_link_for(token: str) -> ActionLink:
    """The link ``token`` names on this agency's host; raises LinkRefused."""
    schema, _, secret = token.partition(".")
    if not schema or not secret:
        raise LinkRefused("malformed")
    if schema != connection.schema_name:
        # Another agency's link: refused by name, before anything is looked up.
        raise LinkRefused("foreign")
    link = (
        ActionLink.objects.select_related("user")
        .filter(secret_digest=secret_digest(secret), user__is_active=True)
        .first()
    )
    if link is None:
        raise LinkRefused("unknown")
    if link.status != "valid":
        raise LinkRefused(link.status)
    return link


def in_scope(path: str, scope_path: str) -> bool:
    return path == scope_path or path.startswith(scope_path.rstrip("/") + "/")


def session_scope_begin(request, link: ActionLink) -> None:
    """Sign the link's person in, limited to the link's item."""
    auth.login(request, link.user, backend=MODEL_BACKEND)
    # After the login, which may flush the session (and whose signal ends any earlier scope).
    request.session[SCOPE_KEY] = {"link": link.pk, "path": link.path}
    request.session[METHOD_KEY] = ACTION_LINK_METHOD


def session_scope(request) -> dict | None:
    """The link-opened session's limits, or None for an ordinary session."""
    return request.session.get(SCOPE_KEY) if hasattr(request, "session") else None


def session_scope_end(request) -> None:
    """A full sign-in (a password, a sign-in link) lifts the limits of a link-opened session."""
    if hasattr(request, "session"):
        request.session.pop(SCOPE_KEY, None)

"""A browser signed in as one of the agency's people by platform support.

The session holds the support session's id under SESSION_KEY; the middleware re-reads that
record (one query, only for such sessions) on every request, so an ended session, a revoked
or expired grant, or a session past its time signs the browser out on its next request.
"""

from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import rotate_token

from tenant_apps.security.actions import session_forget, session_track
from tenant_apps.security.sign_in import METHOD_KEY, MODEL_BACKEND

SESSION_KEY = "support_access:session"


def sign_in_as(request, person, support_session) -> None:
    """Sign this browser in as ``person`` for ``support_session``.

    As ``auth.login`` does, but without its signal: the log says a support session started,
    never that the person signed in.
    """
    request.session.flush()
    request.session[auth.SESSION_KEY] = person._meta.pk.value_to_string(person)
    request.session[auth.BACKEND_SESSION_KEY] = MODEL_BACKEND
    request.session[auth.HASH_SESSION_KEY] = person.get_session_auth_hash()
    request.session[METHOD_KEY] = "support"
    request.session[SESSION_KEY] = support_session.pk
    request.session.save()  # a key, for the person's sessions list
    rotate_token(request)
    request.user = person
    session_track(user=person, request=request)


def sign_out(request) -> None:
    """End this browser's session (and its row in the person's sessions list), quietly."""
    session_forget(request=request)
    request.session.flush()
    request.user = AnonymousUser()

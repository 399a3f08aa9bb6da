"""The last step of every way in on the web: straight in, or a code first.

A person with two-factor on who has proved their password (or their email,
by a sign-in link) is only half signed in: the session holds who they are
and where they were going, but they stay anonymous until the code step
(accounts:verify) calls ``sign_in_complete``.
"""

import time

from django.contrib import auth
from django.shortcuts import redirect
from django_otp import login as otp_login

from shared_apps.accounts.models import User
from shared_apps.accounts.two_factor import has_two_factor
from tenant_apps.security.tokens import stamp_claim

PENDING_KEY = "security:pending-sign-in"
PENDING_SECONDS = 300
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# How this session signed in: "password", "magic_link", "action_link" (a single-purpose
# link: the signup handoff, an accepted invitation) or "two_factor" (either, then a code).
# Decision records (approvals) say how their decider had proved who they were.
METHOD_KEY = "security:signed-in-by"


def sign_in_method(request) -> str | None:
    return request.session.get(METHOD_KEY)


def sign_in_begin(
    request, user, *, next_url: str, backend: str = MODEL_BACKEND, method: str = "password"
):
    """Sign ``user`` in, or ask for their code first; returns the redirect."""
    if not has_two_factor(user):
        auth.login(request, user, backend=backend)
        request.session[METHOD_KEY] = method  # after login, which may flush the session
        return redirect(next_url)
    request.session[PENDING_KEY] = {
        "user": user.pk,
        # A password change or sign-out-everywhere meanwhile voids the half sign-in.
        "stamp": stamp_claim(user),
        "backend": backend,
        "next": next_url,
        "started": time.time(),
    }
    return redirect("accounts:verify")


def pending_sign_in_user(request) -> User | None:
    """The half-signed-in person, while their five minutes last."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["started"] > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user if user and stamp_claim(user) == pending["stamp"] else None


def sign_in_complete(request, user, device):
    """Finish a half sign-in once ``device`` has accepted the person's code."""
    pending = request.session.pop(PENDING_KEY)
    auth.login(request, user, backend=pending["backend"])
    otp_login(request, device)
    request.session[METHOD_KEY] = "two_factor"
    return redirect(pending["next"])

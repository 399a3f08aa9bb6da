"""django-axes wiring shared by the three ways in: login form, sign-in link request, JWT.

Axes counts failures per account and IP address in the agency's own schema,
so a lockout at one agency never touches another.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework.exceptions import APIException
from rest_framework_simplejwt.exceptions import DetailDictMixin

COOLOFF_MINUTES = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
LOCKED_MESSAGE = (
    "Too many attempts to sign in to this account from your network. For your security, "
    f"signing in is paused for {COOLOFF_MINUTES} minutes."
)


def axes_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: one counter per address, however it is capitalised.

    The login form names the field "username", the API and the link form "email".
    """
    data = credentials or getattr(request, "data", None) or request.POST
    value = data.get("email") or data.get("username")
    return value.strip().lower() if isinstance(value, str) else None


def _retry_after(response):
    response["Retry-After"] = str(COOLOFF_MINUTES * 60)
    return response


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a branded page, or JSON under /api/."""
    if request.path.startswith("/api/"):
        body = {"detail": LOCKED_MESSAGE, "code": "locked_out"}
        return _retry_after(JsonResponse(body, status=429))
    return _retry_after(
        render(request, "security/locked_out.html", {"message": LOCKED_MESSAGE}, status=429)
    )


class AccountLocked(DetailDictMixin, APIException):
    """The token endpoint's lockout: 429 JSON with a code and Retry-After, as DRF renders it."""

    status_code = 429
    default_detail = LOCKED_MESSAGE
    default_code = "locked_out"
    wait = COOLOFF_MINUTES * 60


def email_request_counted(request, email: str) -> bool:
    """Count a sign-in link request for ``email`` like a failed sign-in; True once locked.

    Every request counts, known address or not, so the count reveals nothing;
    signing in successfully clears it, as it does for passwords.
    """
    AxesProxyHandler.user_login_failed(
        sender=email_request_counted, credentials={"email": email}, request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


def sign_in_succeeded(request, user) -> None:
    """Clear the failure count after a sign-in that Django's login() did not make (the API)."""
    AxesProxyHandler.user_logged_in(sender=sign_in_succeeded, request=request, user=user)

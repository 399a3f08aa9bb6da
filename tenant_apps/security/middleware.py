from django.contrib import messages
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_tenants.utils import get_public_schema_name

from tenant_apps.security.actions import session_seen
from tenant_apps.security.selectors import two_factor_setup_required

SETUP_REQUIRED = "Your workspace requires two-factor authentication. Set it up to continue."


class SessionGuardMiddleware:
    """For signed-in browsers on an agency's host (after the auth and messages middleware):
    keeps "last active" on the sessions list fresh, and while the team must use two-factor,
    holds a team member without it at the setup page.

    No query on most requests: "last active" is refreshed every few minutes, and the
    policy is read from the cache; only while it is on does each request check the person.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if connection.schema_name != get_public_schema_name() and request.user.is_authenticated:
            session_seen(request=request)
            if two_factor_setup_required(request.user) and request.path not in {
                reverse("security:two_factor_setup"),
                reverse("accounts:logout"),
            }:
                return self._to_setup(request)
        return self.get_response(request)

    @staticmethod
    def _to_setup(request):
        if request.path.startswith("/api/"):
            body = {"detail": SETUP_REQUIRED, "code": "two_factor_setup_required"}
            return JsonResponse(body, status=403)
        messages.info(request, SETUP_REQUIRED)
        return redirect("security:two_factor_setup")

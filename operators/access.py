"""Who may use the operator console: a public-schema user with an Operator row, signed in
with two-factor on the platform host, whose role grants the capability asked for.

Pages use ``console_view(capability)``; API views ``OperatorCapability`` with a
``capability`` attribute. Anyone else gets nothing: pages send the anonymous to the
console's sign-in and answer 403 to a signed-in non-operator; the API answers 401/403.
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from rest_framework.permissions import BasePermission

from operators.models import Operator
from operators.roles import role_may


def operator_of(request) -> Operator | None:
    """The request's operator: on the platform host, signed in with a verified second factor."""
    if connection.schema_name != "public" or request.get_host().split(":")[0] != (
        settings.PLATFORM_DOMAIN
    ):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not (callable(getattr(user, "is_verified", None)) and user.is_verified()):
        return None
    cached = getattr(request, "_operator", None)
    if cached is None:
        cached = Operator.objects.filter(user=user).select_related("user").first()
        request._operator = cached or False
    return cached or None


def console_view(capability: str):
    """Decorate a console page: operators whose role grants ``capability`` only."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            operator = operator_of(request)
            if operator is None:
                if getattr(request, "user", None) is not None and request.user.is_authenticated:
                    if Operator.objects.filter(user=request.user).exists():
                        # An operator whose session lacks the second factor: finish sign-in.
                        return redirect_to_sign_in(request)
                    raise PermissionDenied("The operator console is for platform operators.")
                return redirect_to_sign_in(request)
            if not role_may(operator.role, capability):
                raise PermissionDenied("Your operator role does not allow this.")
            request.operator = operator
            return view(request, *args, **kwargs)

        wrapped.console_capability = capability
        return wrapped

    return decorate


def redirect_to_sign_in(request):
    return redirect(f"{reverse('operator:login')}?{urlencode({'next': request.get_full_path()})}")


class OperatorCapability(BasePermission):
    """DRF permission: the view's ``capability`` (a roles.Capability) for an operator."""

    message = "The operator API is for platform operators."

    def has_permission(self, request, view):
        operator = operator_of(request)
        if operator is None:
            return False
        capability = getattr(view, "capability", None)
        assert capability, f"{type(view).__name__} names no capability"
        if not role_may(operator.role, capability):
            self.message = "Your operator role does not allow this."
            return False
        request.operator = operator
        return True

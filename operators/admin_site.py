"""Django's /admin/, kept for emergencies: admin-role operators who passed two-factor only.

Its own sign-in form would skip the second factor, so signing in goes through the console's
pages; the dangerous fields are read-only in each app's admin.py.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from operators.access import operator_of
from operators.roles import Role


class OperatorAdminSite(admin.AdminSite):
    site_header = "Client Portal: emergency admin"
    site_title = "Client Portal admin"
    index_title = "Emergency admin (use the operator console for everyday work)"

    def has_permission(self, request):
        operator = operator_of(request)
        return operator is not None and operator.role == Role.ADMIN and request.user.is_staff

    def __init__(self, name="admin"):
        super().__init__(name)
        self.disable_action("delete_selected")  # no bulk delete anywhere

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        if self.has_permission(request):
            return redirect(next_url)
        if operator_of(request) is not None:
            # Signed in with two-factor, but not an admin: signing in again changes nothing.
            raise PermissionDenied("The emergency admin is for admin operators.")
        return redirect(f"{reverse('operator:login')}?{urlencode({'next': next_url})}")

"""PLACEHOLDERS, REPLACED AT MERGE: the console's page names other areas own (A: login,
logout, health, log; B: agencies, agency; lead: announcements), so that the shell's links and
this area's redirects resolve on this branch alone. Drop this module and its line in urls.py
when merging."""

from django.contrib.auth import logout as auth_logout
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from operators.access import console_view
from operators.roles import Capability
from tenants.models import Agency


@console_view(Capability.VIEW)
def agency(request, agency_id):
    agency = get_object_or_404(Agency.objects.provisioned(), pk=agency_id)
    context = {"agency": agency, "console_section": "agencies"}
    return render(request, "operators/placeholder_agency.html", context)


@console_view(Capability.VIEW)
def placeholder(request):
    return HttpResponse("Placeholder: built by another area.", content_type="text/plain")


def login(request):
    return HttpResponse("Placeholder: operator sign-in (area A).", content_type="text/plain")


@require_POST
def logout(request):
    auth_logout(request)
    return redirect("operator:login")


urlpatterns = [
    path("login/", login, name="login"),
    path("logout/", logout, name="logout"),
    path("agencies/", placeholder, name="agencies"),
    path("agencies/<int:agency_id>/", agency, name="agency"),
    path("health/", placeholder, name="health"),
    path("log/", placeholder, name="log"),
    path("announcements/", placeholder, name="announcements"),
]

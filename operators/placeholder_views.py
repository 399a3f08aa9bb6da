"""PLACEHOLDERS, REPLACED AT MERGE: the console pages other areas build (sign-in and log: A,
agencies: B, announcements: the lead), here only so that the console's shell and the support
panel can be reversed and shown on this branch. Drop this module and its include at merge."""

from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from operators.access import console_view
from operators.roles import Capability
from tenants.models import Agency


def _blank(section):
    @console_view(Capability.VIEW)
    def view(request):
        return render(request, "operators/placeholder.html", {"console_section": section})

    return view


def login(request):
    return HttpResponse("Operator sign-in (area A).")


@require_POST
def logout_view(request):
    logout(request)
    return redirect("operator:login")


@console_view(Capability.VIEW)
def agency(request, agency_id):
    agency = get_object_or_404(Agency.objects.live(), pk=agency_id)
    context = {"agency": agency, "console_section": "agencies"}
    return render(request, "operators/placeholder_agency.html", context)


urlpatterns = [
    path("sign-in/", login, name="login"),
    path("sign-out/", logout_view, name="logout"),
    path("", _blank("agencies"), name="agencies"),
    path("agencies/<int:agency_id>/", agency, name="agency"),
    path("health/", _blank("health"), name="health"),
    path("log/", _blank("log"), name="log"),
    path("announcements/", _blank("announcements"), name="announcements"),
]

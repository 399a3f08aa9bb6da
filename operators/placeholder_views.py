"""REPLACED AT MERGE: stand-ins for operator:agencies (area B) and operator:announcements (the
lead), so the console's nav resolves on this branch. The lead deletes this file (and its line
in urls.py) when merging the areas that build the real pages."""

from django.http import HttpResponse
from django.urls import path

from operators.access import console_view
from operators.roles import Capability


@console_view(Capability.VIEW)
def placeholder(request):
    return HttpResponse("Built by another area of the console.", content_type="text/plain")


urlpatterns = [
    path("agencies/", placeholder, name="agencies"),
    path("announcements/", placeholder, name="announcements"),
]

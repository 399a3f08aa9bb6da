"""Replaced at merge: names the console shell links to, until their areas land."""

from django.http import HttpResponse
from django.urls import path


def _placeholder(request, *args, **kwargs):
    return HttpResponse("Not built yet.")


urlpatterns = [
    path("login/", _placeholder, name="login"),
    path("logout/", _placeholder, name="logout"),
    path("agencies/", _placeholder, name="agencies"),
    path("health/", _placeholder, name="health"),
    path("log/", _placeholder, name="log"),
]

"""REPLACED AT MERGE: stand-ins for the console routes other areas build (sign-in, health,
log and sign-out: area A; announcements: the lead), so the console's nav and its sign-in
redirect resolve on area B's branch. Each answers 404; none is in the access matrix."""

from django.http import Http404
from django.urls import path


def elsewhere(request, *args, **kwargs):
    raise Http404("Built on another branch.")


urlpatterns = [
    path("login/", elsewhere, name="login"),
    path("logout/", elsewhere, name="logout"),
    path("health/", elsewhere, name="health"),
    path("log/", elsewhere, name="log"),
]

"""Helpers shared by the people tests."""

import re

from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tests.conftest import host_client
from tests.test_isolation import obtain_tokens

ACME = "acme.localhost"
LINK = re.compile(r"https?://acme\.localhost(?::\d+)?(/invitations/([\w-]+)/)")


def api_client(world, persona):
    """A client for acme's API carrying ``persona``'s bearer token, and the headers to send."""
    who = world.personas[persona]
    access = obtain_tokens(who.host, who.user.email)["access"]
    return host_client(ACME), {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def api_get(world, persona, path):
    client, headers = api_client(world, persona)
    return client.get(path, **headers)


def api_post(world, persona, path, data=None):
    client, headers = api_client(world, persona)
    return client.post(path, data or {}, content_type="application/json", **headers)


def activity(world, action) -> list[ActivityEntry]:
    with tenant_context(world.acme):
        return list(ActivityEntry.objects.filter(action=action).order_by("id"))


def accept_link(message) -> tuple[str, str]:
    """The (path, secret) of the accept link in an invitation email."""
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1), match.group(2)

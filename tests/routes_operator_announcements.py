"""Matrix entries for the platform's announcements (see tests/access_matrix.py): the
console's pages and API on the platform host, and dismissing them in an agency's portal."""

from datetime import timedelta

from django.utils import timezone

from operators.models import Announcement
from tests.access_matrix import PERSONAS, SIGNED_IN_HERE, Case, api, signed_in


def an_announcement(world) -> tuple[int]:
    """One live announcement, made by the admin operator (inside the test's transaction)."""
    now = timezone.now()
    announcement = Announcement.objects.create(
        title="Maintenance on Sunday",
        body="The portal is read-only from 02:00 to 03:00 UTC.",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        created_by=world.personas["operator"].user,
    )
    return (announcement.pk,)


def _console(operator: int, **kwargs) -> Case:
    """A console page: the operator gets ``operator``; everyone else is sent to sign in
    (agency people's sessions are unknown on the platform host)."""
    return Case(expect={p: 302 for p in PERSONAS} | {"operator": operator}, **kwargs)


def _console_api(operator: int, **kwargs) -> Case:
    """The operator API: no or agency credentials get 401."""
    return Case(expect={p: 401 for p in PERSONAS} | {"operator": operator}, **kwargs)


PUBLIC_ROUTES = {
    "operator:announcements": _console(200),
    "operator:announcement_new": _console(200),
    "operator:announcement": _console(200, args=an_announcement),
    "operator:announcement_end": _console(302, method="post", args=an_announcement),
    "api-operator-announcements": _console_api(200),
    "api-operator-announcement": _console_api(200, args=an_announcement),
    "api-operator-announcement-end": _console_api(200, method="post", args=an_announcement),
}

TENANT_ROUTES = {
    "announcements:dismiss": signed_in(302, 302, SIGNED_IN_HERE, method="post", args=(999999,)),
    "api-announcements": api(200, 200, SIGNED_IN_HERE),
    # Only an announcement the caller sees can be dismissed over the API.
    "api-announcement-dismiss": api(404, 404, SIGNED_IN_HERE, method="post", args=(999999,)),
}

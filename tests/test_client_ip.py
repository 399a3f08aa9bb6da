"""The client's address behind TRUSTED_PROXY_COUNT reverse proxies, read the same way by the
activity log, sessions, approval records and django-axes. (A real proxy hop in front of the
running app: tests/test_client_ip_proxy.py.)"""

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.test import RequestFactory
from django_tenants.utils import tenant_context

from shared_apps.core.client_ip import client_ip
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.actions import approval_decide
from tenant_apps.security.models import SignedInSession
from tests.routes_approvals import ask, user, web_request
from tests.security_support import password_sign_in

PROXY = "10.0.0.5"  # REMOTE_ADDR: the proxy that connected to the app


def seen(xff: str | None, *, trusted: int, settings) -> str | None:
    settings.TRUSTED_PROXY_COUNT = trusted
    meta = {"REMOTE_ADDR": PROXY} | ({"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {})
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert seen("203.0.113.77", trusted=0, settings=settings) == PROXY
    assert seen(None, trusted=0, settings=settings) == PROXY


@pytest.mark.parametrize(
    ("xff", "trusted", "client"),
    [
        ("203.0.113.77", 1, "203.0.113.77"),
        ("203.0.113.77, 10.0.0.4", 2, "203.0.113.77"),
        ("[2001:db8::7]:4711", 1, "2001:db8::7"),
        ("::ffff:203.0.113.77", 1, "203.0.113.77"),
    ],
)
def test_the_left_most_trusted_entry_is_the_client(xff, trusted, client, settings):
    assert seen(xff, trusted=trusted, settings=settings) == client


@pytest.mark.parametrize(
    "xff",
    [
        "1.2.3.4, 203.0.113.77",
        "1.2.3.4,1.2.3.5 , 203.0.113.77",
        "garbage, 203.0.113.77",
        # A stray quote must not hide the proxy's entry and let the client's show through.
        '1.2.3.4, ", 203.0.113.77',
        'for="1.2.3.4, 203.0.113.77',
    ],
)
def test_entries_the_client_sent_are_never_read(xff, settings):
    assert seen(xff, trusted=1, settings=settings) == "203.0.113.77"


@pytest.mark.parametrize(
    ("xff", "trusted"),
    [
        ("", 1),
        ("unknown", 1),
        ("not-an-ip", 1),
        ("1.2.3.4, 203.0.113.999", 1),
        ("0.0.0.0", 1),
        ("203.0.113.77", 2),  # one entry where two proxies should each have added one
        ("203.0.113.77, unknown", 2),
    ],
)
def test_a_missing_or_malformed_header_falls_back_to_the_peer(xff, trusted, settings):
    assert seen(xff, trusted=trusted, settings=settings) == PROXY


def test_axes_counts_the_same_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.77"
    )
    assert get_client_ip_address(request) == client_ip(request) == "203.0.113.77"


# Behind one proxy at 127.0.0.1 (the test client's REMOTE_ADDR), which forwarded 203.0.113.77.
FORWARDED = "203.0.113.77"


def test_sign_ins_sessions_and_lockout_counts_record_the_forwarded_address(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    person = world.personas["finance"].user
    with tenant_context(world.acme):
        before = ActivityEntry.objects.order_by("-id").values_list("id", flat=True).first()

    password_sign_in(person.email, password="wrong", HTTP_X_FORWARDED_FOR=FORWARDED)
    with tenant_context(world.acme):
        assert AccessAttempt.objects.get(username=person.email).ip_address == FORWARDED
    password_sign_in(person.email, HTTP_X_FORWARDED_FOR=FORWARDED)

    with tenant_context(world.acme):
        logged = ActivityEntry.objects.filter(id__gt=before, actor=person).order_by("id")
        assert [(entry.action, entry.ip_address) for entry in logged] == [
            ("auth.sign_in_failed", FORWARDED),
            ("auth.signed_in", FORWARDED),
        ]
        assert SignedInSession.objects.get(user=person).ip_address == FORWARDED


def test_an_approval_decision_records_the_forwarded_address(world, settings, tmp_path):
    settings.FILE_STORAGE_ROOT = tmp_path
    settings.TRUSTED_PROXY_COUNT = 1
    request = web_request(world, "approver", ip="127.0.0.1")
    request.META["HTTP_X_FORWARDED_FOR"] = FORWARDED
    with tenant_context(world.acme):
        record = approval_decide(
            approval=ask(world),
            actor=user(world, "approver"),
            decision="approved",
            comment="",
            request=request,
        )
    entry = record.activity_entry
    assert (record.ip_address, entry.ip_address, entry.changes["ip_address"]) == (FORWARDED,) * 3

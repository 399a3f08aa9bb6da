"""Through a real reverse proxy hop in front of the running app (TRUSTED_PROXY_COUNT=1), what is
recorded is the address the proxy saw, never the proxy's own nor what a client claims.

The server process commits what it writes, and activity entries can never be deleted, so the
test signs up an agency of its own, committed, and drops it (its schema) afterwards.
"""

import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from shared_apps.signup.actions import agency_signup
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.security.models import SignedInSession
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.browser.conftest import _free_port, _healthy
from tests.conftest import PASSWORD
from tests.processes import app_process
from tests.proxy_hop import ProxyHop, Visitor

HOST = "proxyhop.localhost"
OWNER = "pat@proxyhop.example"
GUESSER = "127.0.0.2"  # the addresses the proxy sees; the proxy itself is 127.0.0.1
OWNERS_DESK = "127.0.0.3"
SPOOF = "1.2.3.4"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def db(django_db_setup):
    """The test database without pytest-django's per-test transaction, which the server could
    not see into. (Named ``db`` so pytest-django creates the test database.)"""


@pytest.fixture
def agency(db, django_db_blocker):
    with django_db_blocker.unblock():
        spares = Agency.objects.spares().count()
        signup = agency_signup(
            name="Proxyhop",
            subdomain="proxyhop",
            owner_name="Pat Proxy",
            owner_email=OWNER,
            owner_password=PASSWORD,
        )
    yield signup.agency
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        Agency.objects.get(pk=signup.agency.pk).delete(force_drop=True)
        schema_pool_fill(size=spares)


@pytest.fixture
def proxy(agency, tmp_path):
    port = _free_port()
    server = app_process(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        tmp_path / "server.log",
        ready=lambda: _healthy(port),
        TRUSTED_PROXY_COUNT="1",
    )
    with server, ProxyHop(("127.0.0.1", port)) as hop:
        yield hop


def test_failures_lockout_sign_in_and_session_carry_the_address_the_proxy_saw(
    agency, proxy, django_db_blocker
):
    guesser = Visitor(proxy.port, HOST, source=GUESSER, forwarded_for=SPOOF)
    tries = [guesser.sign_in(OWNER, "wrong") for _ in range(LIMIT)]
    assert tries == [200] * (LIMIT - 1) + [429]

    def attempts():
        with tenant_context(agency):
            return list(AccessAttempt.objects.values_list("username", "ip_address"))

    with django_db_blocker.unblock():
        assert attempts() == [(OWNER, GUESSER)]

    # The lockout is the guesser's: the owner, behind the same proxy, still signs in.
    owner = Visitor(proxy.port, HOST, source=OWNERS_DESK)
    assert owner.sign_in(OWNER, PASSWORD) == 302

    with django_db_blocker.unblock(), tenant_context(agency):
        logged = ActivityEntry.objects.filter(action__startswith="auth.").order_by("id")
        assert [(entry.action, entry.ip_address) for entry in logged] == [
            *[("auth.sign_in_failed", GUESSER)] * (LIMIT - 1),
            ("auth.locked_out", GUESSER),
            ("auth.signed_in", OWNERS_DESK),
        ]
        assert list(SignedInSession.objects.values_list("ip_address", flat=True)) == [OWNERS_DESK]

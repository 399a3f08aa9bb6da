"""Brute-force lockout on the three ways in, per agency, and answers that never reveal
whether an email address has an account."""

import re
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.security.auth_views import LINK_REQUEST_SECONDS
from tenant_apps.security.forms import WRONG_SIGN_IN
from tenant_apps.security.models import MagicLink
from tests.conftest import PASSWORD, host_client
from tests.security_support import (
    ACME,
    GLOBEX,
    last_mail_to,
    link_in,
    obtain,
    password_sign_in,
)

pytest_plugins = ["tests.security_fixtures"]

LIMIT = settings.AXES_FAILURE_LIMIT


def sign_in_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def test_login_form_locks_after_ten_failures_even_for_the_right_password(world):
    email = world.personas["client_admin"].user.email
    client = host_client(ACME)
    for _ in range(LIMIT - 1):
        response = client.post("/auth/login/", {"username": email, "password": "wrong"})
        assert response.status_code == 200
        assert sign_in_errors(response) == [WRONG_SIGN_IN]

    locked = client.post("/auth/login/", {"username": email, "password": "wrong"})
    assert locked.status_code == 429
    assert "Signing in is paused" in locked.content.decode()
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()

    refused = client.post("/auth/login/", {"username": email, "password": PASSWORD})
    assert refused.status_code == 429
    assert client.get("/").status_code == 302  # still signed out


def test_login_lockout_is_per_address_and_ip(world):
    email = world.personas["client_admin"].user.email
    for attempt in range(LIMIT):
        # However the address is capitalised, it is one account.
        typed = email.upper() if attempt % 2 else email
        password_sign_in(typed, password="wrong")
    assert password_sign_in(email)[1].status_code == 429

    _, from_elsewhere = password_sign_in(email, REMOTE_ADDR="203.0.113.9")
    assert from_elsewhere.status_code == 302
    _, other_person = password_sign_in(world.personas["viewer"].user.email)
    assert other_person.status_code == 302


def test_token_endpoint_locks_with_a_clean_json_429(world):
    email = world.personas["owner"].user.email
    for _ in range(LIMIT - 1):
        response = obtain(email, password="wrong")
        assert response.status_code == 401
        assert response.json()["code"] == "no_active_account"

    locked = obtain(email, password="wrong")
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert "paused" in locked.json()["detail"]
    assert locked["Retry-After"]

    refused = obtain(email)
    assert refused.status_code == 429
    assert "access" not in refused.json()


def test_sign_in_link_requests_lock_too(world, run_tasks):
    user = world.personas["viewer"].user
    client = host_client(ACME)
    for _ in range(LIMIT - 1):
        with run_tasks():
            response = client.post("/auth/magic-link/", {"email": user.email})
        assert response.status_code == 200
    with run_tasks():
        locked = client.post("/auth/magic-link/", {"email": user.email})
    assert locked.status_code == 429
    with tenant_context(world.acme):
        assert MagicLink.objects.filter(user=user).count() == LIMIT - 1
    assert len(mail.outbox) == LIMIT - 1
    with tenant_context(world.acme):
        locked_entry = ActivityEntry.objects.get(actor=user, action="auth.locked_out")
    assert locked_entry.changes == {"email": user.email, "method": "magic_link"}
    # The password form shares the count: the same account and address stay locked.
    assert password_sign_in(user.email)[1].status_code == 429


def test_lockouts_stay_inside_their_agency(world):
    email = "same.person@example.com"
    for agency in (world.acme, world.globex):
        with tenant_context(agency):
            User.objects.create_user(email, PASSWORD, full_name="Same Person")
    for _ in range(LIMIT):
        password_sign_in(email, password="wrong")
    assert password_sign_in(email)[1].status_code == 429
    assert obtain(email).status_code == 429

    _, at_globex = password_sign_in(email, host=GLOBEX)
    assert at_globex.status_code == 302
    assert obtain(email, host=GLOBEX).status_code == 200
    with tenant_context(world.globex):
        assert not AccessAttempt.objects.filter(username=email).exists()
    with tenant_context(world.acme):
        assert AccessAttempt.objects.filter(username=email).exists()


def test_password_reset_lifts_the_lockout(world, run_tasks):
    email = world.personas["approver"].user.email
    for _ in range(LIMIT):
        password_sign_in(email, password="wrong")
    client = host_client(ACME)
    with run_tasks():
        client.post("/auth/password-reset/", {"email": email})
    form_page = client.get(link_in(last_mail_to(email)), follow=True)
    new_password = "a-brand-new-long-password"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert password_sign_in(email, password=new_password)[1].status_code == 302


def test_failures_and_lockouts_are_in_the_activity_log(world):
    user = world.personas["finance"].user
    for _ in range(LIMIT + 1):
        password_sign_in(user.email, password="wrong")
    password_sign_in("nobody@nowhere.example", password="wrong")
    with tenant_context(world.acme):
        mine = ActivityEntry.objects.filter(actor=user)
        assert mine.filter(action="auth.sign_in_failed").count() == LIMIT - 1
        # The tenth failure locks; the eleventh is refused while locked.
        assert mine.filter(action="auth.locked_out").count() == 2
        unknown = ActivityEntry.objects.get(actor=None, action="auth.sign_in_failed")
        assert unknown.changes["email"] == "nobody@nowhere.example"
        assert unknown.ip_address == "127.0.0.1"


def _same_page(response, email) -> str:
    """The page with the address, CSRF token and CSP nonce (new on every response) blanked."""
    html = response.content.decode().replace(email, "EMAIL")
    return re.sub(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]+"', "", html)


@pytest.mark.parametrize("deactivated", [False, True])
def test_login_answers_the_same_for_unknown_addresses(world, deactivated):
    known = world.personas["viewer"].user
    if deactivated:
        with tenant_context(world.acme):
            User.objects.filter(pk=known.pk).update(is_active=False)
    _, unknown_response = password_sign_in("nobody@northwind.example", password=PASSWORD)
    _, known_response = password_sign_in(
        known.email, password="wrong" if not deactivated else PASSWORD
    )
    assert unknown_response.status_code == known_response.status_code == 200
    assert sign_in_errors(unknown_response) == sign_in_errors(known_response) == [WRONG_SIGN_IN]
    assert _same_page(unknown_response, "nobody@northwind.example") == _same_page(
        known_response, known.email
    )


def test_token_endpoint_answers_the_same_for_unknown_addresses(world):
    unknown = obtain("nobody@northwind.example")
    known = obtain(world.personas["viewer"].user.email, password="wrong")
    assert unknown.status_code == known.status_code == 401
    # The same answer but for the request's own id (every error body carries one).
    unknown_body, known_body = dict(unknown.json()), dict(known.json())
    assert unknown_body.pop("request_id") != known_body.pop("request_id")
    assert unknown_body == known_body


def test_sign_in_link_request_answers_the_same_at_the_same_pace(world, run_tasks):
    known = world.personas["viewer"].user.email
    unknown = "nobody@northwind.example"
    answers = {}
    for email in (known, unknown):
        # Timed inside the block: the queued email is sent when it ends, as a worker would.
        with run_tasks():
            started = time.monotonic()
            response = host_client(ACME).post("/auth/magic-link/", {"email": email})
            answers[email] = (response, time.monotonic() - started)
    (known_response, known_time), (unknown_response, unknown_time) = answers.values()
    assert known_response.status_code == unknown_response.status_code == 200
    assert _same_page(known_response, known) == _same_page(unknown_response, unknown)
    assert "we've sent it a link" in known_response.content.decode().replace("&#x27;", "'")
    assert min(known_time, unknown_time) >= LINK_REQUEST_SECONDS
    assert abs(known_time - unknown_time) < 0.15
    assert [message.to for message in mail.outbox] == [[known]]


def test_the_operator_sign_in_locks_with_the_same_page(world):
    # The emergency admin signs in through the console's sign-in (operators.admin_site).
    email = world.personas["operator"].user.email
    client = host_client("localhost")
    for _ in range(LIMIT):
        response = client.post("/operator/login/", {"username": email, "password": "wrong"})
    assert response.status_code == 429
    assert "Signing in is paused" in response.content.decode()
    assert "Reset my password" not in response.content.decode()

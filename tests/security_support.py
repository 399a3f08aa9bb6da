"""Helpers for the security tests; their fixtures are in tests/security_fixtures.py."""

import re
import time

from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import tenant_context

from shared_apps.accounts.two_factor import totp_setup_device
from tenant_apps.security.actions import two_factor_enable
from tests.conftest import PASSWORD, host_client

ACME = "acme.localhost"
GLOBEX = "globex.localhost"


def link_in(message) -> str:
    """The path of the one link to the agency's host in an email."""
    url = re.search(r"http://[a-z.]+:\d+(/\S+)", message.body)
    assert url, message.body
    return url.group(1)


def last_mail_to(email):
    sent = [message for message in mail.outbox if email in message.to]
    assert sent, f"no email to {email}"
    return sent[-1]


def totp_code(device: TOTPDevice) -> str:
    """The app's current code, or the next one if the current one was already used."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def password_sign_in(email, *, host=ACME, password=PASSWORD, next_url="", **extra):
    client = host_client(host)
    data = {"username": email, "password": password, "next": next_url}
    return client, client.post("/auth/login/", data, **extra)


def obtain(email, *, host=ACME, password=PASSWORD, **fields):
    return host_client(host).post(
        "/api/v1/auth/token",
        {"email": email, "password": password, **fields},
        content_type="application/json",
    )


def bearer(access) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def unthrottle(persona):
    """Skip django-otp's pause after a wrong code (1 s, doubling) instead of sleeping."""
    with tenant_context(persona.agency):
        for model in (TOTPDevice, StaticDevice):
            model.objects.filter(user=persona.user).update(throttling_failure_timestamp=None)


def enable_two_factor(persona):
    """Turn two-factor on for ``persona`` as the setup page does; returns (device, codes)."""
    with tenant_context(persona.agency):
        device = totp_setup_device(persona.user)
        codes = two_factor_enable(device=device, code=totp_code(device))
    return device, codes

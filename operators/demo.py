"""The demo's platform operator (python3 dev.py): made once, an admin, two-factor set up at
the first sign-in. While DEBUG is on, operator:dev_code shows their current code, for
trying the console without an authenticator app."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from operators.actions import operator_create
from operators.models import Operator
from operators.roles import Role
from tenants.middleware import platform_url

DEMO_OPERATOR_EMAIL = "operator@platform.example"


def demo_operator_ensure(*, password: str) -> list[str]:
    """Create the demo operator if missing; the lines telling how to sign in as them."""
    if not Operator.objects.filter(user__email=DEMO_OPERATOR_EMAIL).exists():
        operator_create(
            email=DEMO_OPERATOR_EMAIL, full_name="Opal Operator", role=Role.ADMIN, password=password
        )
    return [
        f"  Operator console:   {platform_url('/operator/')}",
        f"    {DEMO_OPERATOR_EMAIL:<28} Admin operator (the same password)",
        "    Two-factor: the first sign-in shows a QR code for an authenticator app;",
        f"    without one, {platform_url('/operator/dev/code/')} shows the current code",
        "    (development only).",
    ]


def dev_code_view(request):
    """DEBUG only (404 otherwise): the demo operator's current code."""
    if not settings.DEBUG:
        raise Http404
    devices = TOTPDevice.objects.filter(user__email=DEMO_OPERATOR_EMAIL).order_by("-confirmed")
    codes = [
        (device, f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}")
        for device in devices
    ]
    context = {"email": DEMO_OPERATOR_EMAIL, "codes": codes}
    return render(request, "operators/dev_code.html", context)

"""Authenticator-app codes (TOTP) and one-time recovery codes, on django-otp, for anyone who
signs in: agency people (tenant_apps.security) and platform operators (operators).

A person has at most one confirmed TOTP device and one static device holding
their recovery codes. Recovery codes are stored as digests (django-otp
matches them by equality), so the table does not reveal usable codes.
"""

import hashlib
import math
import secrets
from base64 import b32encode, b64encode

import qrcode
import qrcode.image.svg
from django import forms
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper and typed by hand.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
WRONG_CODE = "That code didn't work. Check your authenticator app and try again."


class CodeRejected(Exception):
    """A wrong, reused or throttled code; ``str()`` is the message to show."""


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def recovery_code_digest(code: str) -> str:
    # 16 hex characters is StaticToken.token's length; ample for 49-bit codes.
    return hashlib.sha256(_normalise(code).encode()).hexdigest()[:16]


def recovery_codes_new() -> list[str]:
    """Fresh codes formatted for reading, e.g. ``k7mq2-x9d4w``."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_codes_replace(user) -> list[str]:
    """New recovery codes for ``user`` (the old ones stop working); call inside the caller's
    transaction, which writes its log entry."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = recovery_codes_new()
    device.token_set.bulk_create(
        [device.token_set.model(device=device, token=recovery_code_digest(c)) for c in codes]
    )
    return codes


def totp_setup_device(user) -> TOTPDevice:
    """The authenticator being set up: reused, so reloading keeps the scanned QR valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def _wait_message(details: dict) -> str:
    seconds = math.ceil((details["locked_until"] - timezone.now()).total_seconds())
    return f"Too many wrong codes. Wait {max(seconds, 1)} seconds, then try again."


def _check(device, token: str) -> str | None:
    """None when ``device`` accepts ``token``, else why not. Throttles failures."""
    if device is None:
        return WRONG_CODE
    allowed, details = device.verify_is_allowed()
    if not allowed:
        return _wait_message(details)
    return None if device.verify_token(token) else WRONG_CODE


def two_factor_verify(user, code: str):
    """The device that accepts ``code`` (a 6-digit app code or a recovery code).

    Raises CodeRejected. A recovery code is used up by this call.
    """
    code = _normalise(code)
    with transaction.atomic():
        if code.isdigit() and len(code) == 6:
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            token = code
        else:
            device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
            token = recovery_code_digest(code)
        device = device.first()
        problem = _check(device, token)
    # Raised outside the transaction so the throttle's failure count is kept.
    if problem:
        raise CodeRejected(problem)
    return device


def totp_confirm(device: TOTPDevice, code: str) -> None:
    """Check a first code from a device being set up; raises CodeRejected."""
    with transaction.atomic():
        problem = _check(device, _normalise(code))
    if problem:
        raise CodeRejected(problem)


def totp_secret_for_typing(device: TOTPDevice) -> str:
    """The key in groups of four, for people who can't scan the QR code."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI as an SVG QR code in a data: URI (the CSP allows data: images)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return "data:image/svg+xml;base64," + b64encode(image.to_string()).decode()


class CodeForm(forms.Form):
    """A 6-digit app code or a recovery code, checked by ``check(code)``.

    ``check`` raises CodeRejected or returns what the view needs (the
    device that accepted it, the new recovery codes), kept as ``result``.
    """

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, check, **kwargs):
        super().__init__(*args, **kwargs)
        self.check = check
        self.result = None

    def clean_code(self):
        code = self.cleaned_data["code"]
        try:
            self.result = self.check(code)
        except CodeRejected as rejected:
            raise forms.ValidationError(str(rejected), code="rejected") from None
        return code

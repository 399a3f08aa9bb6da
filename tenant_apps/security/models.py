from django.conf import settings
from django.db import models
from django.utils import timezone


class SecurityPolicy(models.Model):
    """The agency's sign-in rules: one row per schema (see selectors.security_policy)."""

    team_two_factor_required = models.BooleanField(
        default=False,
        verbose_name="Require two-factor authentication for the team",
        help_text="Team members without an authenticator app are asked to set one up "
        "before they can do anything else. Clients are not affected.",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "security policies"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="one_security_policy")]

    def __str__(self):
        return "Security policy"


MAGIC_LINK_MINUTES = 15


class MagicLink(models.Model):
    """A single-use emailed sign-in link.

    The worker that sends the email makes the secret and stores only its
    SHA-256 here, so neither this table nor the task queue can sign anyone in.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="magic_links"
    )
    # Unique through Meta.constraints: no _like index, it is never matched by prefix.
    secret_digest = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 -- NULL: no secret yet; unique but for NULLs
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["secret_digest"], name="security_magiclink_secret_digest_key"
            )
        ]

    def __str__(self):
        return f"Sign-in link for {self.user}"

    @property
    def status(self) -> str:
        if self.used_at:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "valid"


# First match wins: Edge and Opera also claim Chrome, Chrome also claims Safari.
BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


def describe_user_agent(user_agent: str) -> str:
    """ "Firefox on Windows", for people reading their sessions list."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


class SignedInSession(models.Model):
    """One browser signed in as ``user``: listed on "My account", ended from there.

    Keyed by the SHA-256 of the session key, so the table cannot be used to
    hijack a session; ending one deletes the session row that has the same
    digest (see actions.session_end).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    # Unique through Meta.constraints: no _like index, it is never matched by prefix.
    key_digest = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_digest"], name="security_signedinsession_key_digest_key"
            )
        ]

    def __str__(self):
        return f"{self.device} from {self.ip_address or 'an unknown address'}"

    @property
    def device(self) -> str:
        return describe_user_agent(self.user_agent)

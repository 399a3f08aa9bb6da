"""What the owner's export leaves out: every credential that would let its reader sign in
as someone, act through a link, or forge the agency's webhooks. (The portal keeps no API
keys: its API takes short-lived tokens, whose refresh tokens are the token tables below.)"""

from shared_apps.backups.archive import Secrets

EXPORT_SECRETS = Secrets(
    tables=frozenset(
        {
            "django_session",  # signed-in sessions
            "token_blacklist_outstandingtoken",  # API refresh tokens
            "token_blacklist_blacklistedtoken",
            "otp_totp_totpdevice",  # two-factor secrets
            "otp_static_staticdevice",  # two-factor recovery codes
            "otp_static_statictoken",
        }
    ),
    columns={
        "accounts_user": ("password",),  # password hashes
        "security_signedinsession": ("key_digest",),  # sessions' keys, hashed
        "security_magiclink": ("secret_digest",),  # sign-in links
        "people_invitation": ("secret_digest",),  # invitation links
        "notifications_actionlink": ("secret_digest",),  # one-click links in emails
        "data_export_personexport": ("token_digest",),  # people's own data export links
        "webhooks_endpoint": ("secret", "previous_secret"),  # webhook signing secrets
        "axes_accesslog": ("session_hash",),
    },
)

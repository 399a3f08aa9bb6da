"""The codes security writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class SecurityAudit(AuditEvent):
    ACCOUNT_REGIONAL_UPDATED = (
        "account.regional_updated",
        "Own time zone or format changed",
        "Changed their own time zone or date and money format",
    )
    AUTH_SIGNED_IN = "auth.signed_in", "Sign-in", "Signed in"
    AUTH_SIGN_IN_FAILED = "auth.sign_in_failed", "Failed sign-in", "Failed to sign in"
    AUTH_LOCKED_OUT = "auth.locked_out", "Lockout", "Was locked out after repeated failed sign-ins"
    AUTH_SIGNED_OUT = "auth.signed_out", "Sign-out", "Signed out"
    AUTH_MAGIC_LINK_SENT = (
        "auth.magic_link_sent",
        "Sign-in link sent",
        "Was sent an emailed sign-in link",
    )
    AUTH_MAGIC_LINK_USED = (
        "auth.magic_link_used",
        "Sign-in link used",
        "Signed in with an emailed link",
    )
    AUTH_PASSWORD_CHANGED = "auth.password_changed", "Password changed", "Changed their password"
    AUTH_PASSWORD_RESET_REQUESTED = (
        "auth.password_reset_requested",
        "Password reset asked",
        "Asked for a password reset",
    )
    AUTH_TWO_FACTOR_ENABLED = (
        "auth.two_factor_enabled",
        "Two-factor on",
        "Turned on two-factor sign-in",
    )
    AUTH_TWO_FACTOR_DISABLED = (
        "auth.two_factor_disabled",
        "Two-factor off",
        "Turned off two-factor sign-in",
    )
    AUTH_TWO_FACTOR_FAILED = (
        "auth.two_factor_failed",
        "Wrong two-factor code",
        "Entered a wrong two-factor code",
    )
    AUTH_RECOVERY_CODES_REGENERATED = (
        "auth.recovery_codes_regenerated",
        "Recovery codes renewed",
        "Made new two-factor recovery codes",
    )
    AUTH_SESSION_ENDED = "auth.session_ended", "Session ended", "Ended a signed-in session"
    AUTH_SESSIONS_ENDED = (
        "auth.sessions_ended",
        "Signed out everywhere",
        "Signed out of every session",
    )
    AUTH_USER_DEACTIVATED = "auth.user_deactivated", "Person deactivated", "Deactivated {object}"
    SECURITY_POLICY_CHANGED = (
        "security.policy_changed",
        "Security policy changed",
        "Changed the security policy",
    )

"""The codes security writes to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import HIDDEN, AuditEvent, By, Daily, Field

METHODS = {
    "password": "Password",
    "magic_link": "Emailed sign-in link",
    "api": "API",
}


class SecurityAudit(AuditEvent):
    AUTH_SIGNED_IN = (
        "auth.signed_in",
        "Sign-in",
        Daily("{actor} signed in", "{actor} signed in {count} times"),
    )
    AUTH_SIGN_IN_FAILED = "auth.sign_in_failed", "Failed sign-in", "{actor} failed to sign in"
    AUTH_LOCKED_OUT = (
        "auth.locked_out",
        "Lockout",
        "{actor} was locked out after repeated failed sign-ins",
    )
    AUTH_SIGNED_OUT = (
        "auth.signed_out",
        "Sign-out",
        Daily("{actor} signed out", "{actor} signed out {count} times"),
    )
    AUTH_MAGIC_LINK_SENT = (
        "auth.magic_link_sent",
        "Sign-in link sent",
        Daily("{actor} was sent a sign-in link", "{actor} was sent {count} sign-in links"),
    )
    AUTH_MAGIC_LINK_USED = (
        "auth.magic_link_used",
        "Sign-in link used",
        Daily(
            "{actor} signed in with an emailed link",
            "{actor} signed in with an emailed link {count} times",
        ),
    )
    AUTH_PASSWORD_CHANGED = (
        "auth.password_changed",
        "Password changed",
        "{actor} changed their password",
    )
    AUTH_PASSWORD_RESET_REQUESTED = (
        "auth.password_reset_requested",
        "Password reset asked",
        "{actor} asked for a password reset",
    )
    AUTH_TWO_FACTOR_ENABLED = (
        "auth.two_factor_enabled",
        "Two-factor on",
        "{actor} turned on two-factor sign-in",
    )
    AUTH_TWO_FACTOR_DISABLED = (
        "auth.two_factor_disabled",
        "Two-factor off",
        "{actor} turned off two-factor sign-in for {object}",
        "{actor} turned off two-factor sign-in",
    )
    AUTH_TWO_FACTOR_FAILED = (
        "auth.two_factor_failed",
        "Wrong two-factor code",
        "{actor} entered a wrong two-factor code",
    )
    AUTH_RECOVERY_CODES_REGENERATED = (
        "auth.recovery_codes_regenerated",
        "Recovery codes renewed",
        "{actor} made new two-factor recovery codes",
    )
    AUTH_SESSION_ENDED = (
        "auth.session_ended",
        "Session ended",
        "{actor} ended a signed-in session of {object}",
        "{actor} ended a signed-in session",
    )
    AUTH_SESSIONS_ENDED = (
        "auth.sessions_ended",
        "Signed out everywhere",
        "{actor} ended every signed-in session of {object}",
        "{actor} signed out of every session",
    )
    AUTH_USER_DEACTIVATED = (
        "auth.user_deactivated",
        "Person deactivated",
        "{actor} deactivated {object}",
        "{actor} deactivated someone",
    )
    SECURITY_POLICY_CHANGED = (
        "security.policy_changed",
        "Security policy changed",
        By(
            "team_two_factor_required",
            {
                True: "{actor} required two-factor sign-in for the team",
                False: "{actor} stopped requiring two-factor sign-in for the team",
            },
            "{actor} changed the security policy",
        ),
    )

    fields = nonmember(
        {
            "email": Field("Email"),
            "method": Field("Signed in with", METHODS),
            "via": Field("Signed in with", METHODS),
            "reason": Field("Why", clients=False),
            "ip_address": Field("Address", clients=False),
            "user_agent": HIDDEN,
            "team_two_factor_required": Field("Two-factor required for the team"),
        }
    )

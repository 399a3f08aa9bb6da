"""Matrix entries for the security routes (see tests/access_matrix.py)."""

from tests.access_matrix import SIGNED_IN_HERE, allow, api, everyone, signed_in

SIGNED_OUT = ["anon", "outsider", "operator"]  # nobody is signed in on acme's host
NOBODYS_SESSION = (999_999,)

TENANT_ROUTES = {
    # Ways in. Signed-in people asking for a link are sent home.
    "accounts:magic_link": allow(SIGNED_OUT, 200, 302),
    "accounts:magic_link_sign_in": everyone(400, args=("forged-secret",)),
    "accounts:password_reset": allow(SIGNED_OUT, 200, 302),
    # Django shows its "link can't be used" page with 200.
    "accounts:password_reset_confirm": everyone(200, args=("MQ", "forged-token")),
    # Nobody is half signed in, so the code step sends everyone to sign in.
    "accounts:verify": everyone(302),
    # My account.
    "security:account": signed_in(200, 200, SIGNED_IN_HERE),
    "security:password_change": signed_in(200, 200, SIGNED_IN_HERE),
    "security:session_end": signed_in(
        404, 404, SIGNED_IN_HERE, method="post", args=NOBODYS_SESSION
    ),
    "security:sessions_end_all": everyone(302, method="post"),
    "security:two_factor": signed_in(200, 200, SIGNED_IN_HERE),
    "security:two_factor_setup": signed_in(200, 200, SIGNED_IN_HERE),
    # Without two-factor on there is nothing to turn off or renew: back to its page.
    "security:two_factor_disable": everyone(302, method="post"),
    "security:recovery_codes": everyone(302, method="post"),
    "security:settings": signed_in(200, 403, ["owner"]),
    # API.
    "api-auth-logout": everyone(400, method="post"),
    "api-auth-logout-all": api(204, 204, SIGNED_IN_HERE, method="post"),
    "api-account-password": api(400, 400, SIGNED_IN_HERE, method="post"),
    "api-account-sessions": api(200, 200, SIGNED_IN_HERE),
    "api-account-session": api(404, 404, SIGNED_IN_HERE, method="delete", args=NOBODYS_SESSION),
}

"""Matrix entries for the operator console's support routes (see tests/access_matrix.py).

Agency side: the owner's Support access page and API, the support handoff and "End session".
Platform side: starting and ending support sessions (page and API).
"""

from tests.access_matrix import PERSONAS, Case, api, everyone, signed_in

MISSING = (999_999,)
OWNER = ["owner"]


def _acme(world):
    return (world.acme.pk,)


def console(status: int, **kwargs) -> Case:
    """A console page: everyone but an operator is sent to the console's sign-in."""
    return Case(expect=dict.fromkeys(PERSONAS, 302) | {"operator": status}, **kwargs)


def console_api(status: int, **kwargs) -> Case:
    """A console API route: no operator credentials, 401 (agency tokens are refused here)."""
    return Case(expect=dict.fromkeys(PERSONAS, 401) | {"operator": status}, **kwargs)


TENANT_ROUTES = {
    "support_access:settings": signed_in(200, 403, OWNER),
    "support_access:revoke": signed_in(404, 403, OWNER, method="post", args=MISSING),
    # Without a live secret nobody gets in, signed in or not.
    "support_access:handoff": everyone(400, args=("not-a-secret",)),
    # Only a support session has one to end.
    "support_access:end": everyone(404, method="post"),
    "api-support-grants": api(200, 403, OWNER),
    "api-support-grant-revoke": api(404, 403, OWNER, method="post", args=MISSING),
}
PUBLIC_ROUTES = {
    "operator:support": console(200, args=_acme),
    "operator:support_end": console(404, method="post", args=MISSING),
    "api-operator-support": console_api(200, args=_acme),
    # Empty input: a field error (the admin operator may impersonate).
    "api-operator-support-sessions": console_api(400, method="post", args=_acme),
    "api-operator-support-session-end": console_api(404, method="post", args=MISSING),
}

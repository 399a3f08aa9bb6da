"""The route × persona access matrix. Every route of both URLconfs must have an entry.

A persona's credentials are always its own agency's (a session made in its
schema, or a JWT it obtained on its own host); the request goes to the
route's host: ``acme.localhost`` for tenant routes, the platform host for
public ones. So "outsider" is another agency's owner replaying their
credentials here, and "operator" is a platform operator.

Adding a route? Add its entry here; tests/test_access_matrix.py fails until you do.
"""

from dataclasses import dataclass, field

PERSONAS = ["anon", "owner", "outsider", "operator"]


@dataclass(frozen=True)
class Case:
    expect: dict[str, int]
    method: str = "get"
    args: tuple = ()
    data: dict = field(default_factory=dict)

    def __post_init__(self):
        assert set(self.expect) == set(PERSONAS), f"give a status for each of {PERSONAS}"


def everyone(status: int, **kwargs) -> Case:
    return Case(expect=dict.fromkeys(PERSONAS, status), **kwargs)


def only(persona: str, allowed: int, denied: int, **kwargs) -> Case:
    expect = dict.fromkeys(PERSONAS, denied) | {persona: allowed}
    return Case(expect=expect, **kwargs)


TENANT_ROUTES: dict[str, Case] = {
    "workspace:home": only("owner", 200, 302),
    "accounts:login": Case({"anon": 200, "owner": 302, "outsider": 200, "operator": 200}),
    "accounts:logout": everyone(302, method="post"),
    "accounts:handoff": everyone(400, args=("forged-token",)),
    "api-token": everyone(400, method="post"),
    "api-token-refresh": everyone(400, method="post"),
    "api-me": only("owner", 200, 401),
    # Open to all, but a foreign token is still refused rather than ignored.
    "schema": Case({"anon": 200, "owner": 200, "outsider": 401, "operator": 200}),
}

# The operator admin is one Django app with dozens of routes; every one of them
# is gated by the same admin_view wrapper, so it is checked on a sample.
ADMIN_SAMPLE = ["admin:index", "admin:tenants_agency_changelist", "admin:accounts_user_changelist"]
PUBLIC_ROUTES: dict[str, Case] = {
    "landing": everyone(200),
    "signup": everyone(200),
    "healthz": everyone(200),
    "api-signup": everyone(400, method="post"),
    # An agency's token means nothing on the platform host and is refused.
    "schema": Case({"anon": 200, "owner": 401, "outsider": 401, "operator": 200}),
    "admin:*": only("operator", 200, 302),
}

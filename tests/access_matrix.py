"""The route-by-persona access matrix. Every route of both URLconfs must have an entry.

A persona's credentials are always its own (a session made in its schema, or
a JWT it obtained on its own host); the request goes to the route's host:
``acme.localhost`` for tenant routes, the platform host for public ones.
Client personas work at acme's client company Northwind, except
"other_company" (Southwind's client admin). "outsider" is another agency's
owner replaying their credentials here; "operator" is a platform operator.

Adding a route? Add its entry to the area's module (tests/routes_*.py);
tests/test_access_matrix.py fails until you do.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

TEAM = ["owner", "admin", "staff"]
CLIENTS = ["client_admin", "approver", "finance", "viewer", "other_company"]
PERSONAS = ["anon", *TEAM, *CLIENTS, "outsider", "operator"]
SIGNED_IN_HERE = [*TEAM, *CLIENTS]


@dataclass(frozen=True)
class Case:
    expect: dict[str, int]
    method: str = "get"
    # Positional URL args, or a function of the test World returning them.
    args: tuple | Callable = ()
    data: dict = field(default_factory=dict)

    def __post_init__(self):
        missing = set(PERSONAS) - set(self.expect)
        assert not missing, f"give a status for {sorted(missing)}"

    def url_args(self, world) -> tuple:
        return self.args(world) if callable(self.args) else self.args


def everyone(status: int, **kwargs) -> Case:
    return Case(expect=dict.fromkeys(PERSONAS, status), **kwargs)


def allow(personas, allowed: int, denied: int, *, others: dict | None = None, **kwargs) -> Case:
    """``personas`` get ``allowed``; the rest ``denied``; ``others`` overrides single personas."""
    expect = {p: allowed if p in personas else denied for p in PERSONAS} | (others or {})
    return Case(expect=expect, **kwargs)


def signed_in(allowed: int, forbidden: int, personas, **kwargs) -> Case:
    """A page: anonymous visitors (and foreign sessions) are sent to sign in (302);
    people of this agency outside ``personas`` get ``forbidden``."""
    anonymous = {"anon": 302, "outsider": 302, "operator": 302}
    expect = {p: allowed if p in personas else forbidden for p in SIGNED_IN_HERE}
    return Case(expect=expect | anonymous, **kwargs)


def api(allowed: int, forbidden: int, personas, **kwargs) -> Case:
    """An API route: no or foreign credentials get 401."""
    anonymous = {"anon": 401, "outsider": 401, "operator": 401}
    expect = {p: allowed if p in personas else forbidden for p in SIGNED_IN_HERE}
    return Case(expect=expect | anonymous, **kwargs)

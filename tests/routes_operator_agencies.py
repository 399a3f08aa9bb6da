"""Matrix entries for the operator console's agencies routes (see tests/access_matrix.py).

Pages: anyone but an operator is sent to the console's sign-in (agency sessions mean nothing
on the platform host). API: no credentials or an agency's token get 401. The matrix runs with
billing off, so the changes answer 400 (page: the form again) or 409 (API) to an operator;
tests/test_operator_agencies.py covers them with billing on, and each operator role.
"""

from tests.access_matrix import PERSONAS, Case


def _page(operator: int, **kwargs) -> Case:
    return Case(expect=dict.fromkeys(PERSONAS, 302) | {"operator": operator}, **kwargs)


def _api(operator: int, **kwargs) -> Case:
    return Case(expect=dict.fromkeys(PERSONAS, 401) | {"operator": operator}, **kwargs)


def _acme(world):
    return (world.acme.pk,)


TENANT_ROUTES = {}
PUBLIC_ROUTES = {
    "operator:agencies": _page(200),
    "operator:agencies_csv": _page(200),
    "operator:agency": _page(200, args=_acme),
    "operator:agency_plan": _page(
        400, method="post", args=_acme, data={"plan-plan": "growth", "plan-reason": "matrix"}
    ),
    "operator:agency_trial": _page(
        400, method="post", args=_acme, data={"trial-days": 7, "trial-reason": "matrix"}
    ),
    "operator:agency_limits": _page(
        400, method="post", args=_acme, data={"limits-seats": "9", "limits-reason": "matrix"}
    ),
    # Without a key the form is refused before anything is credited.
    "operator:agency_credit": _page(
        400, method="post", args=_acme, data={"credit-amount": "5", "credit-reason": "matrix"}
    ),
    "api-operator-agencies": _api(200),
    "api-operator-agency": _api(200, args=_acme),
    "api-operator-agency-plan": _api(
        409, method="post", args=_acme, data={"plan": "growth", "reason": "matrix"}
    ),
    "api-operator-agency-trial": _api(
        409, method="post", args=_acme, data={"days": 7, "reason": "matrix"}
    ),
    "api-operator-agency-credit": _api(
        400, method="post", args=_acme, data={"amount": "5", "reason": "matrix"}
    ),
    "api-operator-agency-limits": _api(
        409, method="post", args=_acme, data={"limits": {"seats": 9}, "reason": "matrix"}
    ),
}

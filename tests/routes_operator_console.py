"""Matrix entries for the operator console's console routes (see tests/access_matrix.py):
sign-in, the console's landing, operators, the operator log and health. Role differences
(support and billing against admin) are in tests/test_operator_sign_in.py."""

from operators.models import Operator
from operators.roles import Role
from tests.access_matrix import PERSONAS, Case, allow, everyone
from tests.conftest import OPERATOR_EMAILS

TENANT_ROUTES = {}

# Anyone but an operator past two-factor is sent to the console's sign-in (an agency
# person's session is unknown on the platform host).
CONSOLE_PAGE = allow(["operator"], 200, 302)
# An agency person's token is refused on the platform host; no credentials get 401 too.
CONSOLE_API = allow(["operator"], 200, 401)
_AGENCY_TOKEN_REFUSED = {p: 401 for p in PERSONAS if p not in ("anon", "operator")}
NO_SUCH_OPERATOR = (999_999,)


def _support_operator(world) -> tuple[int]:
    return (Operator.objects.get(user__email=OPERATOR_EMAILS[Role.SUPPORT]).pk,)


PUBLIC_ROUTES = {
    # An operator already signed in goes on to the console.
    "operator:login": allow(["operator"], 302, 200),
    # Without a half sign-in (password first), both send back to the sign-in page.
    "operator:verify": everyone(302),
    "operator:two_factor_setup": everyone(302),
    "operator:logout": everyone(302, method="post"),
    # DEBUG only: the tests run without it.
    "operator:dev_code": everyone(404),
    "operator:home": everyone(302),
    "operator:operators": CONSOLE_PAGE,
    "operator:operator_role": allow(
        ["operator"], 404, 302, method="post", args=NO_SUCH_OPERATOR, data={"role": "support"}
    ),
    "operator:operator_deactivate": allow(
        ["operator"], 404, 302, method="post", args=NO_SUCH_OPERATOR
    ),
    "operator:operator_two_factor_reset": allow(
        ["operator"], 404, 302, method="post", args=NO_SUCH_OPERATOR
    ),
    "operator:log": CONSOLE_PAGE,
    "operator:log_csv": CONSOLE_PAGE,
    "operator:health": CONSOLE_PAGE,
    "operator-api-token": Case(
        expect={"anon": 400, "operator": 400} | _AGENCY_TOKEN_REFUSED, method="post"
    ),
    "operator-api-log": CONSOLE_API,
    "operator-api-log-csv": CONSOLE_API,
    "operator-api-health": CONSOLE_API,
    "operator-api-operators": CONSOLE_API,
    # The support operator's role, set to what it is (nothing changes).
    "operator-api-operator-role": allow(
        ["operator"], 200, 401, method="post", args=_support_operator, data={"role": "support"}
    ),
    "operator-api-operator-deactivate": allow(
        ["operator"], 404, 401, method="post", args=NO_SUCH_OPERATOR
    ),
    "operator-api-operator-two-factor-reset": allow(
        ["operator"], 404, 401, method="post", args=NO_SUCH_OPERATOR
    ),
}

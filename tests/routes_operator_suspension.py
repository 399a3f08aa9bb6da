"""Matrix entries for the operator console's suspension routes (see tests/access_matrix.py).

On the platform host the agency's people carry no session (theirs live in their agency's
schema) and their API tokens are refused, so they get what the anonymous get. The posts send
no data: the operator's answer is the 400 of the empty form, so nothing is changed.
"""

from tests.access_matrix import PERSONAS, Case, signed_in

OWNER = ["owner"]


def _acme(world):
    return (world.acme.pk,)


def console_post(**kwargs) -> Case:
    """A console post: everyone but the operator is sent to sign in."""
    return Case(expect=dict.fromkeys(PERSONAS, 302) | {"operator": 400}, **kwargs)


def operator_api(**kwargs) -> Case:
    return Case(expect=dict.fromkeys(PERSONAS, 401) | {"operator": 400}, **kwargs)


def console_page(**kwargs) -> Case:
    return Case(expect=dict.fromkeys(PERSONAS, 302) | {"operator": 200}, **kwargs)


TENANT_ROUTES = {
    # With no deletion scheduled the owner is sent back to billing with the reason.
    "billing:deletion_cancel": signed_in(302, 403, OWNER, method="post"),
}
PUBLIC_ROUTES = {
    "operator:agency_suspend": console_post(method="post", args=_acme),
    "operator:agency_restore": console_post(method="post", args=_acme),
    "operator:agency_deletion_schedule": console_post(method="post", args=_acme),
    "operator:agency_deletion_cancel": console_post(method="post", args=_acme),
    "api-operator-agency-suspend": operator_api(method="post", args=_acme),
    "api-operator-agency-restore": operator_api(method="post", args=_acme),
    "api-operator-agency-deletion": operator_api(method="post", args=_acme),
}

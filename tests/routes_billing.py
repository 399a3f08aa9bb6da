"""Matrix entries for the billing routes (see tests/access_matrix.py).

The matrix runs without Stripe keys, so billing is off: Checkout and the portal send the
owner back with the reason (302 page, 409 API), and the webhook is not there (404).
tests/test_billing_pages.py covers the same routes with billing on.
"""

from tests.access_matrix import api, everyone, signed_in

OWNER = ["owner"]

TENANT_ROUTES = {
    "billing:overview": signed_in(200, 403, OWNER),
    "billing:checkout": signed_in(302, 403, OWNER, method="post"),
    "billing:portal": signed_in(302, 403, OWNER, method="post"),
    "api-billing": api(200, 403, OWNER),
    # An empty body names no plan.
    "api-billing-checkout-session": api(400, 403, OWNER, method="post"),
    "api-billing-portal-session": api(409, 403, OWNER, method="post"),
}
PUBLIC_ROUTES = {
    "billing-stripe-webhook": everyone(404, method="post"),
}

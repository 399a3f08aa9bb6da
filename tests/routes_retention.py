"""Matrix entries for retention of old records and for closing the agency (see
tests/access_matrix.py)."""

from tests.access_matrix import api, signed_in

OWNER_OR_ADMIN = ["owner", "admin"]
OWNER = ["owner"]

TENANT_ROUTES = {
    "retention:settings": signed_in(200, 403, OWNER_OR_ADMIN),
    "api-retention": api(200, 403, OWNER_OR_ADMIN),
    # Closing the agency lives with billing (tenant_apps.subscription): the owner's alone.
    "billing:close": signed_in(200, 403, OWNER),
    "api-billing-closure": api(200, 403, OWNER),
}
PUBLIC_ROUTES = {}

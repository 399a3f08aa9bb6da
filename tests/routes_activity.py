"""Matrix entries for the activity routes (see tests/access_matrix.py)."""

from tests.access_matrix import SIGNED_IN_HERE, api, signed_in

OWNER_AND_ADMIN = ["owner", "admin"]

TENANT_ROUTES = {
    "activity:mine": signed_in(200, 200, SIGNED_IN_HERE),
    "activity:workspace": signed_in(200, 403, OWNER_AND_ADMIN),
    "activity:export": signed_in(200, 403, OWNER_AND_ADMIN),
    # Everyone may read it; what they get is scoped (see tests/test_activity_api.py).
    "api-activity": api(200, 200, SIGNED_IN_HERE),
}

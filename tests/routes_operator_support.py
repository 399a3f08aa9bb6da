"""Matrix entries for the operator console's support routes (see tests/access_matrix.py)."""

TENANT_ROUTES = {}
PUBLIC_ROUTES = {}

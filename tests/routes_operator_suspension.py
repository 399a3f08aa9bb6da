"""Matrix entries for the operator console's suspension routes (see tests/access_matrix.py)."""

TENANT_ROUTES = {}
PUBLIC_ROUTES = {}

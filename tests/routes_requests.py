"""Matrix entries for the request routes (see tests/access_matrix.py)."""

TENANT_ROUTES = {}

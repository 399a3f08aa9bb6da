"""Matrix entries for the security routes (see tests/access_matrix.py)."""

TENANT_ROUTES = {}

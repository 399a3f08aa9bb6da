"""Matrix entries for the people routes (see tests/access_matrix.py)."""

TENANT_ROUTES = {}

"""Matrix entries for retention of old records (see tests/access_matrix.py)."""

TENANT_ROUTES = {}
PUBLIC_ROUTES = {}

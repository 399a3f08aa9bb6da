"""Matrix entries for the agency's full export (see tests/access_matrix.py)."""

TENANT_ROUTES = {}
PUBLIC_ROUTES = {}

"""Matrix entries for a person's own data export (see tests/access_matrix.py)."""

TENANT_ROUTES = {}
PUBLIC_ROUTES = {}

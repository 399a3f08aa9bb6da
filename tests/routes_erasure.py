"""Matrix entries for erasing a person (see tests/access_matrix.py)."""

TENANT_ROUTES = {}
PUBLIC_ROUTES = {}

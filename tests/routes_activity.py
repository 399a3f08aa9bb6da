"""Matrix entries for the activity routes (see tests/access_matrix.py)."""

TENANT_ROUTES = {}

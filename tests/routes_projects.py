"""Matrix entries for the projects routes (see tests/access_matrix.py)."""

TENANT_ROUTES: dict = {}
PUBLIC_ROUTES: dict = {}

"""Matrix entries for the foundation's routes (see tests/access_matrix.py)."""

from tests.access_matrix import PERSONAS, SIGNED_IN_HERE, Case, allow, api, everyone, signed_in

TENANT_ROUTES = {
    "workspace:home": signed_in(200, 200, SIGNED_IN_HERE),
    "workspace:checklist_dismiss": signed_in(302, 403, ["owner", "admin"], method="post"),
    "accounts:login": allow(["anon", "outsider", "operator"], 200, 302),
    "accounts:logout": everyone(302, method="post"),
    "accounts:handoff": everyone(400, args=("forged-token",)),
    "api-token": everyone(400, method="post"),
    "api-token-refresh": everyone(400, method="post"),
    "api-me": api(200, 200, SIGNED_IN_HERE),
    # Open to all, but a foreign token is refused rather than ignored.
    "schema": allow(["outsider"], 401, 200),
}

# The operator admin is one Django app with dozens of routes, every one gated
# by the same admin_view wrapper, so it is checked on a sample.
ADMIN_SAMPLE = ["admin:index", "admin:tenants_agency_changelist", "admin:accounts_user_changelist"]
# On the platform host an agency person's token is refused; their session is unknown.
_AGENCY_TOKEN_REFUSED = {p: 401 for p in PERSONAS if p not in ("anon", "operator")}
PUBLIC_ROUTES = {
    "landing": everyone(200),
    "signup": everyone(200),
    "healthz": everyone(200),
    # DEBUG only: the tests run without it (tests/test_dev_mail.py turns it on).
    "dev_mailbox": everyone(404),
    "dev_mail_html": everyone(404, args=("20261207-101500-000000-1-1.eml",)),
    "api-signup": everyone(400, method="post"),
    "schema": Case(expect={"anon": 200, "operator": 200} | _AGENCY_TOKEN_REFUSED),
    "admin:*": allow(["operator"], 200, 302),
}
# Answered before host routing (shared_apps.core.probes): the same on every host, to everyone.
PROBE_ROUTES = {
    "healthz-live": everyone(200),
    "healthz-ready": everyone(200),
    # Prometheus' scrape: only "Authorization: Bearer <METRICS_SECRET>", unset in the tests
    # (tests/test_observability.py sets it); a session or token of anyone's is no secret.
    "internal-metrics": everyone(404),
}

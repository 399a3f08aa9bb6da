import hmac

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from tenants.models import Domain

SECRET_HEADER = "X-Portal-Internal-Secret"


def _plain(text: str, status: int) -> HttpResponse:
    response = HttpResponse(text + "\n", content_type="text/plain", status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def domain_allowed(request):
    """The TLS proxy's question before it issues a certificate: may ``?domain=`` have one?

    200 for the platform's own domain, a live agency's subdomain and a verified custom
    domain; 404 for anything else, and for every caller without the shared secret (so the
    endpoint tells outsiders nothing, not even that it exists). See deploy/README.md.
    """
    secret = settings.DOMAIN_ALLOWED_SECRET
    given = request.headers.get(SECRET_HEADER, "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return _plain("not found", 404)
    name = request.GET.get("domain", "").strip().lower().removesuffix(".")
    allowed = name == settings.PLATFORM_DOMAIN or (
        Domain.objects.filter(domain=name, tenant__is_active=True, tenant__is_spare=False).exists()
    )
    return _plain("allowed", 200) if allowed else _plain("not allowed", 404)

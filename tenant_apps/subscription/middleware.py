"""Billing on agency hosts: ``request.billing``, the read-only guard and plan-limit pages."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from billing.limits import PlanLimitReached
from billing.selectors import billing_state
from operators.suspension import public_notice

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Still open in a read-only workspace: signing in and out, one's own account security, and
# billing itself, so the owner can pay their way out.
OPEN_NAMESPACES = {"accounts", "security", "billing"}
OPEN_ROUTES = {"api-token", "api-token-refresh"}
OPEN_ROUTE_PREFIX = "api-billing"


def _stays_open(match) -> bool:
    if match is None:
        return False
    name = match.url_name or ""
    return (
        bool(OPEN_NAMESPACES.intersection(match.namespaces))
        or name in OPEN_ROUTES
        or name.startswith(OPEN_ROUTE_PREFIX)
    )


# Still open while suspended, besides the above: what any page needs to draw (brand images,
# the app manifest and its service worker).
SUSPENDED_OPEN_ROUTES = {
    "branding:image",
    "branding:manifest",
    "branding:icon",
    "branding:service_worker",
    "branding:offline",
}


class SuspensionMiddleware:
    """On a suspended agency's host, every page answers "This workspace is suspended" and the
    API 403 ``agency_suspended``, except signing in and out, one's own account security and
    billing, so the owner can settle a billing suspension. 403, not 503: the workspace is not
    down, access is withheld, and monitors and crawlers must not retry it as an outage."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.pk is None or not tenant.is_suspended:
            return None
        match = request.resolver_match
        if _stays_open(match) or (match and match.view_name in SUSPENDED_OPEN_ROUTES):
            return None
        return suspended_response(request, tenant)


def suspended_response(request, agency):
    notice = public_notice(agency.suspension_category)
    if request.path.startswith("/api/"):
        detail = f"This workspace is suspended. {notice}"
        body = {"detail": detail, "code": "agency_suspended", "reason": agency.suspension_category}
        return JsonResponse(body, status=403)
    context = {"notice": notice, "message": agency.suspension_message}
    response = render(request, "subscription/suspended.html", context, status=403)
    if request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # htmx swaps no error page in: show the whole page
    return response


class BillingMiddleware:
    """Sets ``request.billing`` (the agency's BillingState, read only when used), refuses
    writes with 402 while the workspace is read-only, and turns a PlanLimitReached on a page
    into a 403 page naming the limit. Does nothing on the platform host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is not None and tenant.pk is not None:
            request.billing = SimpleLazyObject(lambda: billing_state(tenant))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS or not hasattr(request, "billing"):
            return None
        if _stays_open(request.resolver_match) or not request.billing.read_only:
            return None
        return read_only_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PlanLimitReached) and hasattr(request, "billing"):
            context = {"message": exception.messages[0], "limit": exception.limit}
            return render(request, "billing/limit_reached.html", context, status=403)
        return None


def read_only_response(request):
    message = request.billing.read_only_message
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "read_only"}, status=402)
    response = render(request, "billing/read_only.html", {"message": message}, status=402)
    if request.headers.get("HX-Request"):
        # htmx swaps no error page in; reload so the page shows its read-only banner.
        response["HX-Refresh"] = "true"
    return response

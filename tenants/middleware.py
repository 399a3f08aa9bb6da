from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from shared_apps.core.api_errors import with_request_id
from tenants import host_cache


class PublicSite(FakeTenant):
    """What ``request.tenant`` is on the platform's own host."""

    name = "Client Portal"
    pk = None

    def __init__(self):
        super().__init__(schema_name=get_public_schema_name())


class TenantHostMiddleware(TenantMainMiddleware):
    """Routes by host like django-tenants, through the in-process host cache.

    The stock middleware always switches to public, queries the domain, then
    switches to the tenant: three statements. Here a warm request issues none,
    because the backend skips ``SET search_path`` when it is already right.
    """

    def process_request(self, request):
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return self.unknown_host(request)
        if hostname == settings.PLATFORM_DOMAIN:
            tenant = PublicSite()
        else:
            route = host_cache.route_for_host(hostname)
            if route is None:
                return self.unknown_host(request)
            if route.redirect_to and not request.path.startswith(SERVED_ON_EVERY_HOST):
                return primary_host_redirect(request, route.redirect_to)
            tenant = route.agency
            tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        self.setup_url_routing(request)

    @staticmethod
    def unknown_host(request):
        connection.set_schema_to_public()
        request.tenant = None
        if request.path.startswith("/api/"):
            body = {"detail": "No client portal at this address.", "code": "unknown_host"}
            return JsonResponse(with_request_id(body), status=404)
        context = {"platform_url": platform_url()}
        return render(request, "tenants/unknown_host.html", context, status=404)


# API clients drop the Authorization header when redirected to another host, so the API
# answers on each of an agency's hosts; the TLS proxy's question is not the agency's.
SERVED_ON_EVERY_HOST = ("/api/", "/internal/")


def primary_host_redirect(request, host: str) -> HttpResponsePermanentRedirect:
    """308 to the same path and query on the agency's primary host (method and body kept).

    Browsers would keep a permanent redirect for good; should the agency switch its primary
    back, the cached one would loop. ``no-cache`` makes them ask each time.
    """
    response = HttpResponsePermanentRedirect(
        _url(host, request.get_full_path()), preserve_request=True
    )
    response["Cache-Control"] = "no-cache"
    return response


def platform_url(path: str = "/") -> str:
    """Absolute URL on the public site, e.g. ``http://localhost:8000/``."""
    return _url(settings.PLATFORM_DOMAIN, path)


def agency_url(subdomain: str, path: str = "/") -> str:
    """Absolute URL on an agency's subdomain, e.g. ``http://acme.localhost:8000/``."""
    return _url(f"{subdomain}.{settings.PLATFORM_DOMAIN}", path)


def _url(host: str, path: str) -> str:
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{host}{port}{path}"


# How long a client is told to wait before writing again to an agency being moved.
MOVING_RETRY_AFTER_SECONDS = 30
MOVING_SENTENCE = (
    "This workspace is being moved to another server: for a minute or so it can be read "
    "but not changed. Please try again shortly."
)


class AgencyMovingMiddleware:
    """While an agency moves between database clusters (agency_move), its writes are refused
    with a 503 and Retry-After, so none is lost in the copy; reads go on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        moving = getattr(tenant, "moving_since", None) is not None
        if moving and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return agency_moving_response(request)
        return self.get_response(request)


def agency_moving_response(request):
    if request.path.startswith("/api/"):
        body = {"detail": MOVING_SENTENCE, "code": "agency_moving"}
        response = JsonResponse(with_request_id(body), status=503)
    else:
        context = {"sentence": MOVING_SENTENCE}
        response = render(request, "tenants/agency_moving.html", context, status=503)
    response["Retry-After"] = str(MOVING_RETRY_AFTER_SECONDS)
    return response

from django.core.cache import cache
from django.db import connection
from django_tenants.utils import get_public_schema_name

from branding.selectors import CACHE_KEY as BRAND_CACHE_KEY
from tenant_apps.notifications.selectors import unread_cache_key
from tenant_apps.security.selectors import TEAM_TWO_FACTOR_CACHE_KEY


class ShellReadAheadMiddleware:
    """For a signed-in person's page on an agency's host (after the auth middleware, before
    SessionGuardMiddleware): reads the cached values every page reads (the two-factor policy,
    the brand, the bell's unread count) in one round trip instead of three
    (``shared_apps.core.cache``). The keys are the ones the readers use, which the cache's
    key function prefixes with the agency's schema. API calls read none of them ahead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            connection.schema_name != get_public_schema_name()
            and not request.path.startswith("/api/")
            and request.user.is_authenticated
        ):
            cache.read_ahead(
                [TEAM_TWO_FACTOR_CACHE_KEY, BRAND_CACHE_KEY, unread_cache_key(request.user.pk)]
            )
        return self.get_response(request)

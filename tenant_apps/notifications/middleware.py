from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser

from tenant_apps.notifications.links import in_scope, session_scope
from tenant_apps.notifications.models import ActionLink


class ActionLinkScopeMiddleware:
    """Holds a session opened by a single-purpose link to that link's item (after the auth
    middleware). Outside the item the request is anonymous, so sign-in is asked for as usual;
    once the link is revoked or expired, the session ends.

    Ordinary sessions pay nothing: the check reads the session the auth middleware loaded.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = session_scope(request)
        if scope and request.user.is_authenticated:
            if not ActionLink.objects.usable().filter(pk=scope["link"]).exists():
                auth.logout(request)
            elif not (
                in_scope(request.path, scope["path"])
                or request.path.startswith(settings.STATIC_URL)
            ):
                request.user = AnonymousUser()

                async def anonymous():
                    return request.user

                request.auser = anonymous
        return self.get_response(request)

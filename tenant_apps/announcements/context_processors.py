from django.utils.functional import SimpleLazyObject

from tenant_apps.announcements.selectors import announcements_seen_by
from tenant_apps.kit.access import actor_for


def announcements(request):
    """``platform_announcements`` for the banner on an agency's pages, read when shown."""
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if tenant is None or tenant.pk is None or user is None or not user.is_authenticated:
        return {}

    def seen():
        return announcements_seen_by(actor_for(request), billing=getattr(request, "billing", None))

    return {"platform_announcements": SimpleLazyObject(seen)}

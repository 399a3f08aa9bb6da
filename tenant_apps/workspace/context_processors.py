from django.utils.functional import SimpleLazyObject

from tenant_apps.kit.access import NOBODY, actor_for


def actor(request):
    """``actor`` for the workspace nav; loaded only if a template uses it (never on the
    platform host, whose schema has no people tables)."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.pk is None:
        return {}
    return {"actor": SimpleLazyObject(lambda: actor_for(request) if request.user else NOBODY)}

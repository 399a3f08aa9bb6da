from django.utils.functional import SimpleLazyObject

from branding.selectors import brand_for


def brand(request):
    tenant = getattr(request, "tenant", None)
    return {"brand": SimpleLazyObject(lambda: brand_for(tenant))}

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_tenants.utils import tenant_context

from branding.models import Brand
from branding.selectors import CACHE_KEY


@receiver([post_save, post_delete], sender=Brand)
def forget_cached_brand(sender, instance, **kwargs):
    with tenant_context(instance.agency):
        cache.delete(CACHE_KEY)

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tenants import host_cache
from tenants.models import Agency, CustomDomain, Domain


@receiver([post_save, post_delete], sender=Agency)
@receiver([post_save, post_delete], sender=Domain)
@receiver([post_save, post_delete], sender=CustomDomain)
def clear_host_cache(**kwargs):
    host_cache.changed()

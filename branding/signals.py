from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from branding.models import Brand, BrandImage
from branding.selectors import brand_forget, brand_request_finished, brand_request_started
from tenants.models import Agency


def _forget_brand_of(agency_id: int | None) -> None:
    agency = Agency.objects.filter(pk=agency_id).only("schema_name").first()
    if agency is None:
        return  # deleted with its agency; a cached entry names the agency's id, never reused
    brand_forget(agency)


@receiver([post_save, post_delete], sender=Brand)
def forget_cached_brand(sender, instance, **kwargs):
    _forget_brand_of(instance.agency_id)


@receiver([post_save, post_delete], sender=BrandImage)
def forget_cached_brand_images(sender, instance, **kwargs):
    _forget_brand_of(
        Brand.objects.filter(pk=instance.brand_id).values_list("agency_id", flat=True).first()
    )


request_started.connect(brand_request_started)
request_finished.connect(brand_request_finished)

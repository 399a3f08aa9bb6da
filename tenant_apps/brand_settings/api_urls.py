from django.urls import path

from tenant_apps.brand_settings import api

urlpatterns = [
    path("brand", api.BrandApi.as_view(), name="api-brand"),
    path("regional", api.RegionalApi.as_view(), name="api-regional"),
]

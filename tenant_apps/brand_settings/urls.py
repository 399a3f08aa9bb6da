from django.urls import path

from tenant_apps.brand_settings import views

# In the "branding" namespace (config/urls_tenant.py).
urlpatterns = [
    path("settings/brand/", views.brand_settings, name="settings"),
    path("settings/brand/preview/", views.brand_preview, name="preview"),
    path("settings/regional/", views.regional_settings, name="regional"),
]

from django.urls import path

from branding import views

# The "branding" namespace on agency hosts gathers these and the owner's settings pages
# (tenant_apps.brand_settings, tenant_apps.custom_domains): see config/urls_tenant.py.
urlpatterns = [
    path("brand/<str:kind>/<str:digest>.png", views.brand_image_view, name="image"),
    path("manifest.webmanifest", views.manifest_view, name="manifest"),
    path("icons/<int:size>.png", views.icon_view, name="icon"),
    path("sw.js", views.service_worker_view, name="service_worker"),
    path("offline/", views.offline_view, name="offline"),
]

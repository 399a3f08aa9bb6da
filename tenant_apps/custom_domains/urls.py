from django.urls import path

from tenant_apps.custom_domains import views

# In the "branding" namespace (config/urls_tenant.py).
urlpatterns = [
    path("settings/domains/", views.domain_list, name="domains"),
    path("settings/domains/primary/", views.domain_primary_reset, name="domain_primary_reset"),
    path("settings/domains/<int:domain_id>/", views.domain_card, name="domain"),
    path("settings/domains/<int:domain_id>/check/", views.domain_check, name="domain_check"),
    path("settings/domains/<int:domain_id>/primary/", views.domain_primary, name="domain_primary"),
    path("settings/domains/<int:domain_id>/remove/", views.domain_remove, name="domain_remove"),
]

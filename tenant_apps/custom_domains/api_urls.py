from django.urls import path

from tenant_apps.custom_domains import api

urlpatterns = [
    path("domains", api.DomainsApi.as_view(), name="api-domains"),
    path("domains/<int:domain_id>", api.DomainApi.as_view(), name="api-domain"),
    path("domains/<int:domain_id>/verify", api.DomainVerifyApi.as_view(), name="api-domain-verify"),
    path(
        "domains/<int:domain_id>/primary", api.DomainPrimaryApi.as_view(), name="api-domain-primary"
    ),
]

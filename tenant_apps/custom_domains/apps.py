from django.apps import AppConfig


class CustomDomainsConfig(AppConfig):
    """The agency's own domains: pages, API, actions and DNS checks. The claims and routing
    rows stay in tenants (public schema), which the host router reads."""

    name = "tenant_apps.custom_domains"
    label = "custom_domains"

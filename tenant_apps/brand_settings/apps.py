from django.apps import AppConfig


class BrandSettingsConfig(AppConfig):
    """The owner's brand settings page and API; branding (public schema) keeps the brand."""

    name = "tenant_apps.brand_settings"
    label = "brand_settings"

from django.apps import AppConfig


class BrandingConfig(AppConfig):
    name = "branding"

    def ready(self):
        from branding import signals  # noqa: F401

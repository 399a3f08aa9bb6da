from django.apps import AppConfig


class SatisfactionConfig(AppConfig):
    name = "tenant_apps.satisfaction"
    label = "satisfaction"
    verbose_name = "Satisfaction"

    def ready(self):
        from tenant_apps.satisfaction import receivers  # noqa: F401  (connects them)

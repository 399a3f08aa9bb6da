from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "tenant_apps.security"
    label = "security"

    def ready(self):
        from tenant_apps.security import signals  # noqa: F401

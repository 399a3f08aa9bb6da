from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "tenant_apps.security"
    label = "security"

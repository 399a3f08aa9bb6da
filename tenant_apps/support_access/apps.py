from django.apps import AppConfig


class SupportAccessConfig(AppConfig):
    name = "tenant_apps.support_access"
    label = "support_access"

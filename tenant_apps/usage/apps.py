from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "tenant_apps.usage"
    label = "usage"

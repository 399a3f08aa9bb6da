from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "tenant_apps.activity"
    label = "activity"

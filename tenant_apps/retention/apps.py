from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "tenant_apps.retention"
    label = "retention"
    verbose_name = "retention of old records"

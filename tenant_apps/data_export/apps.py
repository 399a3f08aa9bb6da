from django.apps import AppConfig


class DataExportConfig(AppConfig):
    name = "tenant_apps.data_export"
    label = "data_export"
    verbose_name = "a person's own data export"

from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "tenant_apps.timesheets"
    label = "timesheets"

from django.apps import AppConfig


class HelpCentreConfig(AppConfig):
    name = "tenant_apps.help_centre"
    label = "help_centre"

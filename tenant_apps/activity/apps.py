from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ActivityConfig(AppConfig):
    name = "tenant_apps.activity"
    label = "activity"

    def ready(self):
        # Each app's audit codes (see tenant_apps.activity.events).
        autodiscover_modules("audit")

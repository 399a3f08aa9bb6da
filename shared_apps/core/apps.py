from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shared_apps.core"
    label = "core"

    def ready(self):
        from shared_apps.core.metrics import connect_task_signals

        connect_task_signals()

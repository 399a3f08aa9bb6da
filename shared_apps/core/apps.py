from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shared_apps.core"
    label = "core"

    def ready(self):
        from celery.signals import before_task_publish

        from shared_apps.core.metrics import connect_task_signals
        from shared_apps.core.observability import request_id_into_task_headers

        connect_task_signals()
        before_task_publish.connect(request_id_into_task_headers, dispatch_uid="core.request_id")

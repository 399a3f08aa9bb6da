from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shared_apps.core"
    label = "core"

    def ready(self):
        from celery.signals import before_task_publish

        from shared_apps.core.cache import forget_dropped
        from shared_apps.core.metrics import connect_task_signals
        from shared_apps.core.observability import request_id_into_task_headers
        from shared_apps.core.redis_circuit import redis_circuit
        from shared_apps.core.tasks import relay_in_thread

        # When Redis answers again: the cache keys whose writes were dropped go before anyone
        # reads them (and again after, for a write dropped meanwhile by another thread); then
        # the tasks that waited in the outbox are sent.
        redis_circuit.before_close.append(forget_dropped)
        redis_circuit.after_close += [forget_dropped, relay_in_thread]
        connect_task_signals()
        before_task_publish.connect(request_id_into_task_headers, dispatch_uid="core.request_id")

from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    name = "operators"
    verbose_name = "Platform operators"

    def ready(self):
        from celery.signals import task_failure

        task_failure.connect(_count_task_failure, dispatch_uid="operators.task_failure")


def _count_task_failure(sender=None, exception=None, **kwargs):
    """Every task that fails for good, for the health page (operators.health)."""
    from operators.health import task_failure_count

    task_failure_count(getattr(sender, "name", str(sender)), exception)

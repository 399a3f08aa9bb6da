from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    name = "operators"
    verbose_name = "Platform operators"

    def ready(self):
        from anymail.signals import tracking
        from celery.signals import task_failure
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from operators.email_events import tracking_event_record

        tracking.connect(tracking_event_record, dispatch_uid="operators.email_events")
        task_failure.connect(_count_task_failure, dispatch_uid="operators.task_failure")
        post_save.connect(_log_admin_change, sender=LogEntry, dispatch_uid="operators.admin_log")


def _count_task_failure(sender=None, exception=None, **kwargs):
    """Every task that fails for good, for the health page and, by the schema it ran in
    (tenant-schemas-celery's header), for its agency's (operators.health)."""
    from tenant_schemas_celery.app import get_schema_name_from_task

    from operators.health import task_failure_count

    try:
        schema = get_schema_name_from_task(sender, kwargs.get("kwargs") or {}) or ""
    except AttributeError:  # not a task with a request (sent from elsewhere)
        schema = ""
    task_failure_count(getattr(sender, "name", str(sender)), exception, schema)


def _log_admin_change(sender, instance, created, **kwargs):
    """Whatever an operator changes in the emergency /admin/ goes into the operator log too,
    in the admin's own transaction."""
    if created:
        from operators.log import operator_log_record
        from tenants.models import Agency

        content_type = instance.content_type
        agency = None
        if content_type is not None and content_type.model_class() is Agency:
            agency = Agency.objects.filter(pk=instance.object_id).first()
        operator_log_record(
            operator=instance.user,
            action=f"admin.{instance.get_action_flag_display().lower()}",
            agency=agency,
            changes={
                "object": f"{content_type.app_label}.{content_type.model} {instance.object_id}"
                if content_type
                else instance.object_id,
                "label": instance.object_repr,
                "change": instance.get_change_message(),
            },
        )

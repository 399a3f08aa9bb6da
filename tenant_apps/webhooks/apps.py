from django.apps import AppConfig
from django.db.models.signals import post_save


class WebhooksConfig(AppConfig):
    name = "tenant_apps.webhooks"
    label = "webhooks"

    def ready(self):
        from tenant_apps.activity.models import ActivityEntry
        from tenant_apps.client_requests.models import RequestEvent
        from tenant_apps.client_requests.signals import sla_alerted
        from tenant_apps.documents.signals import version_added
        from tenant_apps.webhooks import receivers

        post_save.connect(receivers.on_activity, sender=ActivityEntry, dispatch_uid="webhooks")
        post_save.connect(receivers.on_request_event, sender=RequestEvent, dispatch_uid="webhooks")
        version_added.connect(receivers.on_version_added, dispatch_uid="webhooks")
        sla_alerted.connect(receivers.on_sla_alert, dispatch_uid="webhooks")

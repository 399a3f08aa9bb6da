from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "tenant_apps.messaging"
    label = "messaging"

    def ready(self):
        from anymail.signals import inbound

        from tenant_apps.messaging.email_replies import on_inbound_email

        inbound.connect(on_inbound_email, dispatch_uid="messaging.reply_by_email")

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "tenant_apps.messaging"
    label = "messaging"

    def ready(self):
        from anymail.signals import inbound

        from tenant_apps.messaging.email_replies import (
            REPLY_ABOVE,
            notification_reply_address,
            on_inbound_email,
        )
        from tenant_apps.notifications.emails import ReplyRoute, reply_route_register

        inbound.connect(on_inbound_email, dispatch_uid="messaging.reply_by_email")
        # Conversations' notification emails are answered to the thread.
        reply_route_register(
            "messaging.thread",
            ReplyRoute(address=notification_reply_address, cut_above=REPLY_ABOVE),
        )

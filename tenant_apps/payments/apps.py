from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Clients paying invoices online, through the agency's own connected Stripe account.

    billing (public schema) keeps the connected account and routes Connect events here."""

    name = "tenant_apps.payments"
    label = "payments"

    def ready(self):
        from billing.signals import connect_account_changed, connect_event
        from tenant_apps.payments import receivers

        connect_event.connect(receivers.on_connect_event, dispatch_uid="payments-connect-event")
        connect_account_changed.connect(
            receivers.on_account_changed, dispatch_uid="payments-account-changed"
        )

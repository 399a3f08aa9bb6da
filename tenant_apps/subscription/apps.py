from django.apps import AppConfig


class SubscriptionConfig(AppConfig):
    """The owner's billing page and API; billing (public schema) keeps the subscription."""

    name = "tenant_apps.subscription"
    label = "subscription"

    def ready(self):
        from billing.signals import subscription_changed
        from operators.signals import agency_standing_changed
        from tenant_apps.subscription import receivers

        subscription_changed.connect(
            receivers.on_subscription_changed, dispatch_uid="subscription-activity"
        )
        agency_standing_changed.connect(
            receivers.on_agency_standing_changed, dispatch_uid="subscription-standing-activity"
        )

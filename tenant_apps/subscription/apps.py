from django.apps import AppConfig


class SubscriptionConfig(AppConfig):
    """The owner's billing page and API; billing (public schema) keeps the subscription."""

    name = "tenant_apps.subscription"
    label = "subscription"

from django.urls import path

from billing import webhook

urlpatterns = [
    path("billing/stripe-webhook", webhook.stripe_webhook, name="billing-stripe-webhook"),
]

from django.urls import path

from tenant_apps.subscription import api

urlpatterns = [
    path("billing", api.BillingApi.as_view(), name="api-billing"),
    path(
        "billing/checkout-session",
        api.CheckoutSessionApi.as_view(),
        name="api-billing-checkout-session",
    ),
    path("billing/closure", api.ClosureApi.as_view(), name="api-billing-closure"),
    path(
        "billing/portal-session", api.PortalSessionApi.as_view(), name="api-billing-portal-session"
    ),
]

from django.urls import path

from tenant_apps.webhooks import api

urlpatterns = [
    path("webhooks", api.EndpointsApi.as_view(), name="api-webhooks"),
    path("webhooks/<int:endpoint_id>", api.EndpointApi.as_view(), name="api-webhook"),
    path(
        "webhooks/<int:endpoint_id>/rotate-secret",
        api.RotateSecretApi.as_view(),
        name="api-webhook-rotate-secret",
    ),
    path("webhooks/<int:endpoint_id>/ping", api.PingApi.as_view(), name="api-webhook-ping"),
    path(
        "webhooks/<int:endpoint_id>/deliveries",
        api.DeliveriesApi.as_view(),
        name="api-webhook-deliveries",
    ),
]

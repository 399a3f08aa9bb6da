from django.apps import AppConfig


class ClientRequestsConfig(AppConfig):
    name = "tenant_apps.client_requests"
    label = "client_requests"
    verbose_name = "Requests"

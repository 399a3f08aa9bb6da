from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "tenant_apps.approvals"
    label = "approvals"
    verbose_name = "Approvals"

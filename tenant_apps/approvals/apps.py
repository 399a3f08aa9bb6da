from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "tenant_apps.approvals"
    label = "approvals"
    verbose_name = "Approvals"

    def ready(self):
        from tenant_apps.approvals import receivers  # noqa: F401  (connects them)

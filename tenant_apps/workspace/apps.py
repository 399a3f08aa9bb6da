from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "tenant_apps.workspace"
    label = "workspace"

    def ready(self):
        from tenant_apps.workspace import receivers  # noqa: F401

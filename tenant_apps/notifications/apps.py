from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tenant_apps.notifications"
    label = "notifications"

    def ready(self):
        from tenant_apps.notifications import receivers  # noqa: F401

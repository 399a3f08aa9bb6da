from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "tenant_apps.inbox"
    label = "inbox"

from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "tenant_apps.replies"
    label = "replies"

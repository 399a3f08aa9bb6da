from django.apps import AppConfig


class HistoryConfig(AppConfig):
    """The activity log's pages and API: My activity, the workspace log, its CSV."""

    name = "tenant_apps.history"
    label = "history"

from django.apps import AppConfig


class WeeklyReportConfig(AppConfig):
    """The weekly client report: what the team did for a company and what waits on it."""

    name = "tenant_apps.weekly_report"
    label = "weekly_report"

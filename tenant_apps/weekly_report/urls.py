from django.urls import path

from tenant_apps.weekly_report import views

app_name = "weekly_report"
urlpatterns = [
    path("projects/weekly-report/", views.weekly_report_settings, name="settings"),
    path("projects/weekly-report/preview/", views.weekly_report_preview, name="preview"),
]

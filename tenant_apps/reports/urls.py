from django.urls import path

from tenant_apps.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_index, name="index"),
    path("reports/<slug:name>/", views.report_page, name="report"),
    path("reports/<slug:name>/<slug:table>.csv", views.report_csv, name="csv"),
]

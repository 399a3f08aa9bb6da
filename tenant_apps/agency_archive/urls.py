from django.urls import path

from tenant_apps.agency_archive import views

app_name = "agency_archive"
urlpatterns = [
    path("settings/export/", views.export_page, name="export"),
    path("settings/export/<int:export_id>/download/", views.export_download, name="download"),
]

from django.urls import path

from tenant_apps.agency_archive import api

urlpatterns = [
    path("agency-exports", api.AgencyExportsApi.as_view(), name="api-agency-exports"),
    path(
        "agency-exports/<int:export_id>/download",
        api.AgencyExportDownloadApi.as_view(),
        name="api-agency-export-download",
    ),
]

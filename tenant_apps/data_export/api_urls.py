from django.urls import path

from tenant_apps.data_export import api

urlpatterns = [
    path("me/data-exports", api.DataExportsApi.as_view(), name="api-data-exports"),
    path(
        "me/data-exports/download/<str:token>",
        api.DataExportDownloadApi.as_view(),
        name="api-data-export-download",
    ),
]

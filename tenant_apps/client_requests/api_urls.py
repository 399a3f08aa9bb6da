from django.urls import path

from tenant_apps.client_requests import api

urlpatterns = [
    path("requests", api.RequestsApi.as_view(), name="api-requests"),
    path("requests/<int:request_id>", api.RequestApi.as_view(), name="api-request"),
    path(
        "requests/<int:request_id>/replies",
        api.RequestRepliesApi.as_view(),
        name="api-request-replies",
    ),
    path(
        "requests/<int:request_id>/notes", api.RequestNotesApi.as_view(), name="api-request-notes"
    ),
    path(
        "requests/<int:request_id>/attachments",
        api.RequestAttachmentsApi.as_view(),
        name="api-request-attachments",
    ),
    path(
        "requests/<int:request_id>/attachments/<int:attachment_id>/download",
        api.RequestAttachmentDownloadApi.as_view(),
        name="api-request-attachment-download",
    ),
    path("request-types", api.RequestTypesApi.as_view(), name="api-request-types"),
]

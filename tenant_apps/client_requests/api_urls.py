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
    path(
        "requests/<int:request_id>/tags",
        api.OneRequestTagsApi.as_view(),
        name="api-request-tags-on-request",
    ),
    path(
        "requests/<int:request_id>/tags/<int:tag_id>",
        api.OneRequestTagApi.as_view(),
        name="api-request-tag-on-request",
    ),
    path("request-tags", api.RequestTagsApi.as_view(), name="api-request-tags"),
    path("request-tags/<int:tag_id>", api.RequestTagApi.as_view(), name="api-request-tag"),
    path("request-views", api.SavedViewsApi.as_view(), name="api-request-views"),
    path("request-views/<int:view_id>", api.SavedViewApi.as_view(), name="api-request-view"),
    path("requests/bulk", api.RequestsBulkApi.as_view(), name="api-requests-bulk"),
    path(
        "requests/bulk/<int:job_id>",
        api.RequestsBulkJobApi.as_view(),
        name="api-requests-bulk-job",
    ),
]

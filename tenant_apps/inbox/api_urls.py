from django.urls import path

from tenant_apps.inbox import api

urlpatterns = [
    path("inbox/waiting-on-you", api.WaitingOnYouApi.as_view(), name="api-waiting-on-you"),
    path("inbox/next-actions", api.NextActionsApi.as_view(), name="api-next-actions"),
    path("file-requests", api.FileRequestsApi.as_view(), name="api-file-requests"),
    path(
        "file-requests/<int:file_request_id>",
        api.FileRequestApi.as_view(),
        name="api-file-request",
    ),
    path(
        "file-requests/<int:file_request_id>/fulfil",
        api.FileRequestFulfilApi.as_view(),
        name="api-file-request-fulfil",
    ),
    path(
        "file-requests/<int:file_request_id>/cancel",
        api.FileRequestCancelApi.as_view(),
        name="api-file-request-cancel",
    ),
]

from django.urls import path

from tenant_apps.inbox import views

app_name = "inbox"
urlpatterns = [
    path("file-requests/", views.file_request_list, name="file_requests"),
    path("file-requests/new/", views.file_request_new, name="file_request_new"),
    path("file-requests/<int:file_request_id>/", views.file_request_detail, name="file_request"),
    path(
        "file-requests/<int:file_request_id>/upload/",
        views.file_request_upload,
        name="file_request_upload",
    ),
    path(
        "file-requests/<int:file_request_id>/cancel/",
        views.file_request_cancel,
        name="file_request_cancel",
    ),
]

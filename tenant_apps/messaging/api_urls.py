from django.urls import path

from tenant_apps.messaging import api

urlpatterns = [
    path("threads", api.ThreadsApi.as_view(), name="api-threads"),
    path("threads/<int:thread_id>", api.ThreadApi.as_view(), name="api-thread"),
    path("threads/<int:thread_id>/messages", api.MessagesApi.as_view(), name="api-thread-messages"),
    path(
        "threads/<int:thread_id>/messages/<int:message_id>",
        api.MessageApi.as_view(),
        name="api-thread-message",
    ),
    path("threads/<int:thread_id>/read", api.ReadApi.as_view(), name="api-thread-read"),
    path(
        "threads/<int:thread_id>/attachments/<int:attachment_id>/download",
        api.AttachmentDownloadApi.as_view(),
        name="api-thread-attachment-download",
    ),
]

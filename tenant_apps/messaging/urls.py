from django.urls import path

from tenant_apps.messaging import views

app_name = "messaging"
urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/about/<str:about>/<int:item_id>/", views.panel, name="panel"),
    path("messages/<int:thread_id>/", views.thread_detail, name="thread"),
    path("messages/<int:thread_id>/post/", views.message_create, name="post"),
    path("messages/<int:thread_id>/poll/", views.poll, name="poll"),
    path(
        "messages/<int:thread_id>/messages/<int:message_id>/",
        views.message_detail,
        name="message",
    ),
    path(
        "messages/<int:thread_id>/messages/<int:message_id>/edit/",
        views.message_edit,
        name="edit",
    ),
    path(
        "messages/<int:thread_id>/files/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]

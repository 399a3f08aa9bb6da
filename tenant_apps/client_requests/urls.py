from django.urls import path

from tenant_apps.client_requests import views

app_name = "client_requests"
urlpatterns = [
    path("requests/", views.request_list, name="list"),
    path("requests/new/", views.request_new, name="new"),
    path("requests/new/intake/", views.intake_fields, name="intake"),
    path("requests/<int:request_id>/", views.request_detail, name="detail"),
    path("requests/<int:request_id>/update/", views.request_update, name="update"),
    path("requests/<int:request_id>/replies/", views.request_reply, name="reply"),
    path("requests/<int:request_id>/replies/insert/", views.reply_insert, name="reply_insert"),
    path(
        "requests/<int:request_id>/files/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("requests/<int:request_id>/tags/", views.request_tag_add, name="request_tag_add"),
    path(
        "requests/<int:request_id>/tags/<int:tag_id>/remove/",
        views.request_tag_remove,
        name="request_tag_remove",
    ),
    path("requests/views/", views.saved_views, name="views"),
    path("requests/views/new/", views.saved_view_create, name="view_create"),
    path("requests/views/<int:view_id>/delete/", views.saved_view_delete, name="view_delete"),
    path("requests/bulk/", views.request_bulk, name="bulk"),
    path("requests/bulk/<int:job_id>/", views.bulk_job, name="bulk_job"),
    path("requests/settings/tags/", views.tag_settings, name="tags"),
    path("requests/settings/tags/<int:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("requests/settings/sla/", views.sla_settings, name="sla_settings"),
    path("requests/settings/sla/holidays/", views.holiday_add, name="holiday_add"),
    path(
        "requests/settings/sla/holidays/<int:holiday_id>/remove/",
        views.holiday_remove,
        name="holiday_remove",
    ),
    path("requests/settings/types/", views.request_types, name="types"),
    path("requests/settings/types/new/", views.request_type_create, name="type_create"),
    path("requests/settings/types/field-row/", views.intake_field_row, name="type_field_row"),
    path("requests/settings/types/<int:type_id>/", views.request_type_edit, name="type_edit"),
    path(
        "requests/settings/types/<int:type_id>/active/",
        views.request_type_active,
        name="type_active",
    ),
]

from django.urls import path

from tenant_apps.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("settings/webhooks/", views.endpoint_list, name="list"),
    path("settings/webhooks/<int:endpoint_id>/", views.endpoint_detail, name="detail"),
    path("settings/webhooks/<int:endpoint_id>/rotate/", views.endpoint_rotate, name="rotate"),
    path("settings/webhooks/<int:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path("settings/webhooks/<int:endpoint_id>/ping/", views.endpoint_ping, name="ping"),
    path(
        "settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry,
        name="retry",
    ),
]

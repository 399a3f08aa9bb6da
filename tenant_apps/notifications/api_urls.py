from django.urls import path

from tenant_apps.notifications import api

urlpatterns = [
    path("notifications", api.NotificationsApi.as_view(), name="api-notifications"),
    path(
        "notifications/read-all",
        api.NotificationsReadAllApi.as_view(),
        name="api-notifications-read-all",
    ),
    path(
        "notifications/<int:notification_id>/read",
        api.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
    path(
        "notifications/preferences",
        api.PreferencesApi.as_view(),
        name="api-notification-preferences",
    ),
    path("action-links", api.ActionLinksApi.as_view(), name="api-action-links"),
    path(
        "action-links/<int:link_id>/revoke",
        api.ActionLinkRevokeApi.as_view(),
        name="api-action-link-revoke",
    ),
]

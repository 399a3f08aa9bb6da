from django.urls import path

from tenant_apps.announcements import api

urlpatterns = [
    path("announcements", api.AnnouncementsApi.as_view(), name="api-announcements"),
    path(
        "announcements/<int:announcement_id>/dismiss",
        api.AnnouncementDismissApi.as_view(),
        name="api-announcement-dismiss",
    ),
]

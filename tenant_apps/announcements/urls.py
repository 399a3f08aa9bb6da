from django.urls import path

from tenant_apps.announcements import views

app_name = "announcements"
urlpatterns = [
    path(
        "announcements/<int:announcement_id>/dismiss/",
        views.announcement_dismissed,
        name="dismiss",
    ),
]

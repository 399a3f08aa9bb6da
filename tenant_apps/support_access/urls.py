from django.urls import path

from tenant_apps.support_access import views

app_name = "support_access"
urlpatterns = [
    path("settings/support-access/", views.support_access_settings, name="settings"),
    path(
        "settings/support-access/<int:grant_id>/revoke/",
        views.support_access_revoke,
        name="revoke",
    ),
    path("support/handoff/<str:token>/", views.handoff, name="handoff"),
    path("support/end/", views.support_session_end, name="end"),
]

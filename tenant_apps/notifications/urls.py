from django.urls import path

from tenant_apps.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read-all/", views.mark_all_read, name="read_all"),
    path("notifications/<int:notification_id>/", views.notification_open, name="open"),
    path("notifications/<int:notification_id>/read/", views.mark_read, name="read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/links/<int:link_id>/revoke/", views.link_revoke, name="link_revoke"),
    # The single-purpose link in notification emails; <token> is "<schema>.<secret>".
    path("l/<str:token>/", views.action_link_open, name="action_link"),
]

from django.urls import path

from tenant_apps.history import views

app_name = "activity"
urlpatterns = [
    path("activity/", views.my_activity, name="mine"),
    path("activity/workspace/", views.workspace_log, name="workspace"),
    path("activity/workspace/export.csv", views.workspace_export, name="export"),
]

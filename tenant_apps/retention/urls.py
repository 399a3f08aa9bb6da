from django.urls import path

from tenant_apps.retention import views

app_name = "retention"
urlpatterns = [
    path("settings/retention/", views.retention_settings, name="settings"),
]

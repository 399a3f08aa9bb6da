from django.urls import path

from tenant_apps.retention import api

urlpatterns = [
    path("retention", api.RetentionApi.as_view(), name="api-retention"),
]

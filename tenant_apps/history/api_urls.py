from django.urls import path

from tenant_apps.history.api import ActivityApi

urlpatterns = [path("activity", ActivityApi.as_view(), name="api-activity")]

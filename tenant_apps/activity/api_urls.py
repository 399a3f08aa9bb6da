from django.urls import path

from tenant_apps.activity.api import ActivityApi

urlpatterns = [path("activity", ActivityApi.as_view(), name="api-activity")]

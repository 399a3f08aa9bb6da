from django.urls import path

from tenant_apps.support_access import api

urlpatterns = [
    path("support-grants", api.SupportGrantsApi.as_view(), name="api-support-grants"),
    path(
        "support-grants/<int:grant_id>/revoke",
        api.SupportGrantRevokeApi.as_view(),
        name="api-support-grant-revoke",
    ),
]

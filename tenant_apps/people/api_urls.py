from django.urls import path

from tenant_apps.people import api

urlpatterns = [
    path("team", api.TeamApi.as_view(), name="api-team"),
    path("clients", api.ClientsApi.as_view(), name="api-clients"),
    path(
        "clients/<int:company_id>/people", api.ClientPeopleApi.as_view(), name="api-client-people"
    ),
    path("invitations", api.InvitationsApi.as_view(), name="api-invitations"),
    path(
        "invitations/<int:invitation_id>/revoke",
        api.InvitationRevokeApi.as_view(),
        name="api-invitation-revoke",
    ),
]

from django.urls import path

from tenant_apps.people import views

app_name = "people"
urlpatterns = [
    path("team/", views.team, name="team"),
    path("team/invitations/", views.team_invite, name="team_invite"),
    path("team/<int:member_id>/role/", views.team_role, name="team_role"),
    path("team/<int:member_id>/clients/", views.staff_access, name="staff_access"),
    path("clients/", views.clients, name="clients"),
    path("clients/new/", views.company_create, name="company_create"),
    # The company's people; /clients/<id>/ is its overview (workspace:client).
    path("clients/<int:company_id>/people/", views.company, name="company"),
    path("clients/<int:company_id>/invitations/", views.company_invite, name="company_invite"),
    path(
        "clients/<int:company_id>/people/<int:member_id>/role/",
        views.client_role,
        name="client_role",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:secret>/", views.invitation_accept, name="invitation_accept"),
]

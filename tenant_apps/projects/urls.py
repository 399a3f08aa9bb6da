from django.urls import path

from tenant_apps.projects import views

app_name = "projects"
urlpatterns = [
    path("projects/", views.milestone_list, name="list"),
    path("projects/clients/<int:company_id>/", views.company_milestones, name="company"),
    path("projects/clients/<int:company_id>/new/", views.milestone_create, name="create"),
    path("projects/milestones/<int:milestone_id>/", views.milestone_detail, name="milestone"),
    path("projects/milestones/<int:milestone_id>/status/", views.milestone_status, name="status"),
    path("projects/milestones/<int:milestone_id>/move/", views.milestone_move, name="move"),
    path("projects/milestones/<int:milestone_id>/remove/", views.milestone_remove, name="remove"),
]

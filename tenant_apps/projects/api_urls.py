from django.urls import path

from tenant_apps.projects import api

urlpatterns = [
    path("milestones", api.MilestonesApi.as_view(), name="api-milestones"),
    path("milestones/<int:milestone_id>", api.MilestoneApi.as_view(), name="api-milestone"),
    path(
        "milestones/<int:milestone_id>/move",
        api.MilestoneMoveApi.as_view(),
        name="api-milestone-move",
    ),
    path("weekly-report", api.WeeklyReportApi.as_view(), name="api-weekly-report"),
]

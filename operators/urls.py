"""The operator console's pages, on the platform host under /operator/. One list per area."""

from operators import (
    agencies_views,
    announcements_views,
    console_views,
    impersonation_views,
    placeholder_views,
    sign_in_views,
    suspension_views,
)

app_name = "operator"
urlpatterns = [
    *sign_in_views.urlpatterns,
    *console_views.urlpatterns,
    *agencies_views.urlpatterns,
    *suspension_views.urlpatterns,
    *impersonation_views.urlpatterns,
    *announcements_views.urlpatterns,
    *placeholder_views.urlpatterns,  # REPLACED AT MERGE: drop with operators/placeholder_views
]

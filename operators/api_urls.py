"""The operator API, on the platform host under /api/v1/operator/. One list per area."""

from operators import (
    agencies_api,
    announcements_api,
    console_api,
    impersonation_api,
    operators_api,
    sign_in_api,
    suspension_api,
)

urlpatterns = [
    *sign_in_api.urlpatterns,
    *console_api.urlpatterns,
    *operators_api.urlpatterns,
    *agencies_api.urlpatterns,
    *suspension_api.urlpatterns,
    *impersonation_api.urlpatterns,
    *announcements_api.urlpatterns,
]

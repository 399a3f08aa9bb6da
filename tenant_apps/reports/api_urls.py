from django.urls import path

from tenant_apps.reports.api import ReportsApi, report_api
from tenant_apps.reports.catalogue import REPORTS

# One path per report, so the OpenAPI schema documents each with the filters it takes.
urlpatterns = [
    path("reports", ReportsApi.as_view(), name="api-reports"),
    *(
        path(f"reports/{name}", report_api(spec).as_view(), name=f"api-report-{name}")
        for name, spec in REPORTS.items()
    ),
]

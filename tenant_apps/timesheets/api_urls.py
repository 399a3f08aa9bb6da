from django.urls import path

from tenant_apps.timesheets import api

urlpatterns = [
    path(
        "requests/<int:request_id>/time-entries",
        api.RequestTimeApi.as_view(),
        name="api-request-time",
    ),
    path("requests/<int:request_id>/timer", api.TimerStartApi.as_view(), name="api-timer-start"),
    path("timer", api.TimerApi.as_view(), name="api-timer"),
    path("timer/stop", api.TimerStopApi.as_view(), name="api-timer-stop"),
    path("retainers", api.RetainersApi.as_view(), name="api-retainers"),
    path(
        "clients/<int:company_id>/retainer",
        api.CompanyRetainerApi.as_view(),
        name="api-company-retainer",
    ),
    path(
        "clients/<int:company_id>/time-invoice",
        api.TimeInvoiceApi.as_view(),
        name="api-time-invoice",
    ),
]

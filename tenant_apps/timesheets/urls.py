from django.urls import path

from tenant_apps.timesheets import views

app_name = "timesheets"
urlpatterns = [
    path("requests/<int:request_id>/time/", views.request_time, name="request"),
    path("requests/<int:request_id>/time/timer/", views.timer_start, name="timer_start"),
    path("time/timer/stop/", views.timer_stop, name="timer_stop"),
    path("time/invoice/", views.time_invoice, name="invoice"),
    path("settings/retainers/", views.retainers, name="retainers"),
    path(
        "settings/retainers/<int:company_id>/remove/",
        views.retainer_remove,
        name="retainer_remove",
    ),
]

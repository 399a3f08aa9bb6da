from django.urls import path

from tenant_apps.subscription import views

app_name = "billing"
urlpatterns = [
    path("billing/", views.overview, name="overview"),
    path("billing/checkout/", views.checkout, name="checkout"),
    path("billing/portal/", views.portal, name="portal"),
    # The owner closes the agency: deleted after the grace period (operators.suspension).
    path("billing/close/", views.close, name="close"),
    # An owner keeps the workspace whose deletion an owner asked for (see the deletion banner).
    path("billing/deletion/cancel/", views.deletion_cancel, name="deletion_cancel"),
]

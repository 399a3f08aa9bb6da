from django.urls import path

from tenants import views

urlpatterns = [
    path("internal/domain-allowed", views.domain_allowed, name="internal-domain-allowed"),
]

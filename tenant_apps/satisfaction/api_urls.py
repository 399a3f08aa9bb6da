from django.urls import path

from tenant_apps.satisfaction.api import RatingApi

urlpatterns = [
    path("requests/<int:request_id>/rating", RatingApi.as_view(), name="api-request-rating"),
]

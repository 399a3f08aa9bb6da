from django.urls import path

from tenant_apps.erasure import api

urlpatterns = [
    path("people/<int:user_id>/erase", api.PersonEraseApi.as_view(), name="api-person-erase"),
]

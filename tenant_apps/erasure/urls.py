from django.urls import path

from tenant_apps.erasure import views

app_name = "erasure"
urlpatterns = [
    path("people/<int:user_id>/erase/", views.confirm, name="confirm"),
]

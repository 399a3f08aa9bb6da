from django.urls import path

from tenant_apps.satisfaction import views

app_name = "satisfaction"
urlpatterns = [
    path("requests/<int:request_id>/rating/", views.rating_page, name="rating"),
    path("rate/<str:token>/<slug:score>/", views.link_open, name="link"),
]

from django.urls import path

from tenant_apps.data_export import views

app_name = "data_export"
urlpatterns = [
    path("account/data/", views.page, name="page"),
    path("account/data/export/", views.export_request, name="request"),
    path("account/data/<int:pk>/download/", views.archive, name="archive"),
    path("account/data/download/<str:token>/", views.download, name="download"),
]

from django.urls import path

from tenant_apps.documents import views

app_name = "documents"
urlpatterns = [
    path("documents/", views.hub, name="hub"),
    path("documents/search/", views.search, name="search"),
    path("documents/clients/<int:company_id>/", views.space, name="space"),
    path("documents/clients/<int:company_id>/folders/", views.folder_create, name="folder_create"),
    path("documents/clients/<int:company_id>/upload/", views.upload, name="upload"),
    path("documents/folders/<int:folder_id>/", views.folder, name="folder"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("documents/<int:document_id>/edit/", views.document_edit, name="edit"),
    path("documents/<int:document_id>/versions/", views.version_add, name="version_add"),
    path(
        "documents/<int:document_id>/versions/<int:number>/download/",
        views.version_download,
        name="version_download",
    ),
    path(
        "documents/<int:document_id>/versions/<int:number>/preview/<int:page>.png",
        views.version_preview_page,
        name="version_preview_page",
    ),
]

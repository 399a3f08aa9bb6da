from django.urls import path

from tenant_apps.documents import api

urlpatterns = [
    path("document-folders", api.FoldersApi.as_view(), name="api-document-folders"),
    path("documents", api.DocumentsApi.as_view(), name="api-documents"),
    path("documents/<int:document_id>", api.DocumentApi.as_view(), name="api-document"),
    path(
        "documents/<int:document_id>/versions",
        api.DocumentVersionsApi.as_view(),
        name="api-document-versions",
    ),
    path(
        "documents/<int:document_id>/versions/upload",
        api.DocumentVersionUploadApi.as_view(),
        name="api-document-version-upload",
    ),
    path(
        "documents/<int:document_id>/versions/<int:number>/download",
        api.DocumentVersionDownloadApi.as_view(),
        name="api-document-version-download",
    ),
    path(
        "documents/<int:document_id>/versions/<int:number>/preview/<int:page>",
        api.DocumentVersionPreviewPageApi.as_view(),
        name="api-document-version-preview-page",
    ),
]

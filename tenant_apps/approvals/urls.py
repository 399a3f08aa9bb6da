from django.urls import path

from tenant_apps.approvals import views

app_name = "approvals"
urlpatterns = [
    path("approvals/", views.approval_list, name="list"),
    path(
        "approvals/new/versions/<int:version_id>/",
        views.request_for_version,
        name="request_version",
    ),
    path(
        "approvals/new/invoices/<int:invoice_id>/",
        views.request_for_invoice,
        name="request_invoice",
    ),
    path("approvals/<int:approval_id>/", views.approval_detail, name="detail"),
    path("approvals/<int:approval_id>/decide/", views.approval_decide, name="decide"),
    path("approvals/<int:approval_id>/ask-again/", views.approval_rerequest, name="rerequest"),
    path("approvals/<int:approval_id>/cancel/", views.approval_cancel, name="cancel"),
    path("approvals/<int:approval_id>/file/", views.approval_file, name="file"),
    path(
        "approvals/<int:approval_id>/preview/<int:page>.png",
        views.approval_preview_page,
        name="preview_page",
    ),
    path("approvals/<int:approval_id>/record.json", views.approval_record_json, name="record"),
    path(
        "approvals/<int:approval_id>/certificate.pdf",
        views.approval_certificate_pdf,
        name="certificate",
    ),
]

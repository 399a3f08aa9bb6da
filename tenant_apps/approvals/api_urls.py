from django.urls import path

from tenant_apps.approvals import api

urlpatterns = [
    path("approvals", api.ApprovalsApi.as_view(), name="api-approvals"),
    path("approvals/<int:approval_id>", api.ApprovalApi.as_view(), name="api-approval"),
    path(
        "approvals/<int:approval_id>/decisions",
        api.ApprovalDecisionsApi.as_view(),
        name="api-approval-decisions",
    ),
    path(
        "approvals/<int:approval_id>/ask-again",
        api.ApprovalRerequestApi.as_view(),
        name="api-approval-rerequest",
    ),
    path(
        "approvals/<int:approval_id>/cancel",
        api.ApprovalCancelApi.as_view(),
        name="api-approval-cancel",
    ),
    path(
        "approvals/<int:approval_id>/file", api.ApprovalFileApi.as_view(), name="api-approval-file"
    ),
    path(
        "approvals/<int:approval_id>/preview/<int:page>",
        api.ApprovalPreviewPageApi.as_view(),
        name="api-approval-preview-page",
    ),
    path(
        "approvals/<int:approval_id>/record.json",
        api.ApprovalRecordApi.as_view(),
        name="api-approval-record",
    ),
    path(
        "approvals/<int:approval_id>/certificate.pdf",
        api.ApprovalCertificateApi.as_view(),
        name="api-approval-certificate",
    ),
]

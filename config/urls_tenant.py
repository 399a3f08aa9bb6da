"""Routes on an agency's host: its workspace and its API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from branding import urls as branding_urls
from shared_apps.core import api_errors
from tenant_apps.brand_settings import urls as brand_settings_urls
from tenant_apps.custom_domains import urls as custom_domains_urls
from tenant_apps.security import auth_views as accounts
from tenant_apps.workspace import overview_views as client_overview
from tenant_apps.workspace import views as workspace

# JSON under /api/, the usual pages elsewhere.
handler400 = api_errors.bad_request
handler403 = api_errors.permission_denied
handler404 = api_errors.page_not_found
handler500 = api_errors.server_error

account_patterns = (
    [
        path("login/", accounts.WorkspaceLoginView.as_view(), name="login"),
        path("logout/", accounts.logout_view, name="logout"),
        path("handoff/<str:token>/", accounts.handoff_view, name="handoff"),
        path("verify/", accounts.verify_view, name="verify"),
        path("magic-link/", accounts.magic_link_request_view, name="magic_link"),
        path("magic-link/<str:secret>/", accounts.magic_link_sign_in, name="magic_link_sign_in"),
        path("password-reset/", accounts.password_reset_request_view, name="password_reset"),
        path(
            "password-reset/<uidb64>/<token>/",
            accounts.PasswordResetConfirm.as_view(),
            name="password_reset_confirm",
        ),
    ],
    "accounts",
)
workspace_patterns = (
    [
        path("", workspace.home, name="home"),
        # The team's page of one client; its people are at people:company (.../people/).
        path("clients/<int:company_id>/", client_overview.client_overview_page, name="client"),
        path("first-run/dismiss/", workspace.checklist_dismissed, name="checklist_dismiss"),
    ],
    "workspace",
)
# One namespace for the brand's images and the owner's brand and domain settings: a namespace
# included twice could only be reversed in one of its parts.
branding_patterns = (
    [
        *branding_urls.urlpatterns,
        *brand_settings_urls.urlpatterns,
        *custom_domains_urls.urlpatterns,
    ],
    "branding",
)
api_patterns = [
    # Sign-in through axes (lockout) and two-factor: see tenant_apps.security.tokens.
    path("auth/token", TokenObtainPairView.as_view(), name="api-token"),
    path("auth/token/refresh", TokenRefreshView.as_view(), name="api-token-refresh"),
    path("me", workspace.MeApi.as_view(), name="api-me"),
    path("dashboard", workspace.DashboardApi.as_view(), name="api-dashboard"),
    path(
        "clients/<int:company_id>/overview",
        client_overview.ClientOverviewApi.as_view(),
        name="api-client-overview",
    ),
    path("", include("tenant_apps.people.api_urls")),
    path("", include("tenant_apps.security.api_urls")),
    path("", include("tenant_apps.history.api_urls")),
    path("", include("tenant_apps.client_requests.api_urls")),
    path("", include("tenant_apps.documents.api_urls")),
    path("", include("tenant_apps.invoices.api_urls")),
    path("", include("tenant_apps.payments.api_urls")),
    path("", include("tenant_apps.approvals.api_urls")),
    path("", include("tenant_apps.satisfaction.api_urls")),
    path("", include("tenant_apps.notifications.api_urls")),
    path("", include("tenant_apps.messaging.api_urls")),
    path("", include("tenant_apps.inbox.api_urls")),
    path("", include("tenant_apps.webhooks.api_urls")),
    path("", include("tenant_apps.replies.api_urls")),
    path("", include("tenant_apps.timesheets.api_urls")),
    path("", include("tenant_apps.projects.api_urls")),
    path("", include("tenant_apps.reports.api_urls")),
    path("", include("tenant_apps.help_centre.api_urls")),
    path("", include("tenant_apps.brand_settings.api_urls")),
    path("", include("tenant_apps.custom_domains.api_urls")),
    path("", include("tenant_apps.subscription.api_urls")),
    path("", include("tenant_apps.announcements.api_urls")),
    path("", include("tenant_apps.support_access.api_urls")),
    path("", include("tenant_apps.data_export.api_urls")),
    path("", include("tenant_apps.erasure.api_urls")),
    path("", include("tenant_apps.agency_archive.api_urls")),
    path("", include("tenant_apps.retention.api_urls")),
]

urlpatterns = [
    path("", include(workspace_patterns)),
    path("auth/", include(account_patterns)),
    path("", include("tenant_apps.people.urls")),
    path("", include("tenant_apps.security.urls")),
    path("", include("tenant_apps.history.urls")),
    path("", include("tenant_apps.client_requests.urls")),
    path("", include("tenant_apps.documents.urls")),
    path("", include("tenant_apps.invoices.urls")),
    path("", include("tenant_apps.payments.urls")),
    path("", include("tenant_apps.approvals.urls")),
    path("", include("tenant_apps.satisfaction.urls")),
    path("", include("tenant_apps.notifications.urls")),
    path("", include("tenant_apps.messaging.urls")),
    path("", include("tenant_apps.inbox.urls")),
    path("", include("tenant_apps.webhooks.urls")),
    path("", include("tenant_apps.replies.urls")),
    path("", include("tenant_apps.timesheets.urls")),
    path("", include("tenant_apps.projects.urls")),
    path("", include("tenant_apps.weekly_report.urls")),
    path("", include("tenant_apps.reports.urls")),
    path("", include("tenant_apps.help_centre.urls")),
    path("", include(branding_patterns)),
    path("", include("tenant_apps.subscription.urls")),
    path("", include("tenant_apps.announcements.urls")),
    path("", include("tenant_apps.support_access.urls")),
    path("", include("tenant_apps.data_export.urls")),
    path("", include("tenant_apps.erasure.urls")),
    path("", include("tenant_apps.agency_archive.urls")),
    path("", include("tenant_apps.retention.urls")),
    path("api/v1/", include(api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_tenant"), name="schema"),
]

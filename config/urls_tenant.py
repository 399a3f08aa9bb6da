"""Routes on an agency's host: its workspace and its API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from shared_apps.accounts import views as accounts
from tenant_apps.kit import api_errors
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
workspace_patterns = ([path("", workspace.home, name="home")], "workspace")
api_patterns = [
    # Sign-in through axes (lockout) and two-factor: see shared_apps.accounts.tokens.
    path("auth/token", TokenObtainPairView.as_view(), name="api-token"),
    path("auth/token/refresh", TokenRefreshView.as_view(), name="api-token-refresh"),
    path("me", workspace.MeApi.as_view(), name="api-me"),
    path("dashboard", workspace.DashboardApi.as_view(), name="api-dashboard"),
    path("", include("tenant_apps.people.api_urls")),
    path("", include("tenant_apps.security.api_urls")),
    path("", include("tenant_apps.activity.api_urls")),
    path("", include("tenant_apps.client_requests.api_urls")),
    path("", include("tenant_apps.documents.api_urls")),
    path("", include("tenant_apps.invoices.api_urls")),
    path("", include("tenant_apps.approvals.api_urls")),
    path("", include("tenant_apps.notifications.api_urls")),
    path("", include("tenant_apps.messaging.api_urls")),
    path("", include("tenant_apps.inbox.api_urls")),
    path("", include("tenant_apps.webhooks.api_urls")),
    path("", include("tenant_apps.projects.api_urls")),
    path("", include("tenant_apps.reports.api_urls")),
    path("", include("branding.api_urls")),
    path("", include("billing.api_urls")),
]

urlpatterns = [
    path("", include(workspace_patterns)),
    path("auth/", include(account_patterns)),
    path("", include("tenant_apps.people.urls")),
    path("", include("tenant_apps.security.urls")),
    path("", include("tenant_apps.activity.urls")),
    path("", include("tenant_apps.client_requests.urls")),
    path("", include("tenant_apps.documents.urls")),
    path("", include("tenant_apps.invoices.urls")),
    path("", include("tenant_apps.approvals.urls")),
    path("", include("tenant_apps.notifications.urls")),
    path("", include("tenant_apps.messaging.urls")),
    path("", include("tenant_apps.inbox.urls")),
    path("", include("tenant_apps.webhooks.urls")),
    path("", include("tenant_apps.projects.urls")),
    path("", include("tenant_apps.reports.urls")),
    path("", include("branding.urls")),
    path("", include("billing.urls")),
    path("api/v1/", include(api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_tenant"), name="schema"),
]

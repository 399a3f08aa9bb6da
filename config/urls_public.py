"""Routes on the platform's own host (PLATFORM_DOMAIN)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from operators.email_events import email_events
from shared_apps.core import api_errors, probes
from shared_apps.core import views as core
from shared_apps.signup import views as signup

# JSON under /api/, the usual pages elsewhere.
handler400 = api_errors.bad_request
handler403 = api_errors.permission_denied
handler404 = api_errors.page_not_found
handler500 = api_errors.server_error

urlpatterns = [
    path("", core.landing, name="landing"),
    path("signup/", signup.signup_page, name="signup"),
    # The readiness probe, also on the platform host under its first name.
    path("healthz", probes.ready, name="healthz"),
    # DEBUG only (404 otherwise): the emails the development server sent.
    path("dev/mail/", core.dev_mailbox, name="dev_mailbox"),
    path("dev/mail/<str:name>", core.dev_mail_html, name="dev_mail_html"),
    path("api/v1/signup", signup.SignupApi.as_view(), name="api-signup"),
    path("operator/", include("operators.urls")),
    path("email-events/", email_events, name="email-events"),
    path("api/v1/operator/", include("operators.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_public"), name="schema"),
    path("admin/", admin.site.urls),
    path("", include("billing.urls_public")),
    path("", include("tenants.urls_public")),
    path("", include("tenant_apps.messaging.urls_public")),
]

from django.urls import path

from tenant_apps.security import views

app_name = "security"
urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/sessions/<int:pk>/end/", views.session_end_view, name="session_end"),
    path("account/sessions/end-all/", views.sessions_end_all_view, name="sessions_end_all"),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/disable/", views.two_factor_disable_view, name="two_factor_disable"),
    path("account/two-factor/recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
    path("settings/security/", views.security_settings, name="settings"),
]

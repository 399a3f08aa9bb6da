from django.urls import path

from tenant_apps.security import api

urlpatterns = [
    path("auth/logout", api.LogoutApi.as_view(), name="api-auth-logout"),
    path("auth/logout-all", api.LogoutAllApi.as_view(), name="api-auth-logout-all"),
    path("account/password", api.PasswordApi.as_view(), name="api-account-password"),
    path("account/sessions", api.SessionsApi.as_view(), name="api-account-sessions"),
    path("account/sessions/<int:pk>", api.SessionApi.as_view(), name="api-account-session"),
]

"""Stock django-tenants routing: TenantMainMiddleware and the stock backend (the "before")."""

from bench.settings_tenant import *  # noqa: F403
from bench.settings_tenant import DATABASES, MIDDLEWARE

DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
MIDDLEWARE = [
    "django_tenants.middleware.main.TenantMainMiddleware"
    if name == "tenants.middleware.TenantHostMiddleware"
    else name
    for name in MIDDLEWARE
]

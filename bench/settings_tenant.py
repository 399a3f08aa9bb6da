"""The project's routing (TenantHostMiddleware + its backend), serving the bench view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = PUBLIC_SCHEMA_URLCONF = "bench.urls"

"""No tenancy: no tenant middleware, and every connection pinned to one schema by OPTIONS.

BENCH_SCHEMA names that schema. The engine is Django's plain PostgreSQL backend that only
also reports the schema to code that asks (bench/plain_backend).
"""

import os

from bench.settings_tenant import *  # noqa: F403
from bench.settings_tenant import DATABASES, MIDDLEWARE

SCHEMA = os.environ["BENCH_SCHEMA"]
DATABASES["default"]["ENGINE"] = "bench.plain_backend"
DATABASES["default"]["SCHEMA"] = SCHEMA
DATABASES["default"]["OPTIONS"] = {"options": f"-c search_path={SCHEMA},public"}
MIDDLEWARE = [name for name in MIDDLEWARE if name != "tenants.middleware.TenantHostMiddleware"]

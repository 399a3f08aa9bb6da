"""The one settings module. Production is switched on by DEBUG=false, not by another file."""

import logging
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import database_from_url, env_bool, env_databases, env_int, env_list, env_str
from shared_apps.core.logs import log_format, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or env_bool("TESTING", False)
# Under pytest-xdist, each worker ("gw0", "gw1"...) gets its own Redis database, cache
# prefix, Celery queue and files folder below (tests flush their Redis database and purge
# their queue); pytest-django already gives it its own test database. The processes a
# worker starts are handed these settings (tests/processes.py), so only pytest derives them.
XDIST_WORKER = env_str("PYTEST_XDIST_WORKER", "") if "pytest" in sys.modules else ""


def _for_test_worker(name: str) -> str:
    return f"{name}-{XDIST_WORKER}" if XDIST_WORKER else name


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = (
    env_str("SECRET_KEY", "dev-only-insecure-key-never-use-in-production-0123456789")
    if DEBUG
    else env_str("SECRET_KEY")
)
PLATFORM_DOMAIN = env_str("PLATFORM_DOMAIN", "localhost").lower()
# The port tenant links are built with in dev (acme.localhost:8000); empty behind a proxy.
PUBLIC_PORT = env_str("PUBLIC_PORT", "8000" if DEBUG else "")
PUBLIC_SCHEME = env_str("PUBLIC_SCHEME", "http" if DEBUG else "https")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["*"])  # tenant routing rejects unknown hosts
SENTRY_DSN = env_str("SENTRY_DSN", "")

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "shared_apps.core",
    "shared_apps.accounts",
    "shared_apps.signup",
    "branding",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Django's admin, for emergencies: admin operators past two-factor only.
    "operators.admin_config.OperatorAdminConfig",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django.contrib.postgres",
    "axes",  # also guards the operator admin's login
    # Operators sign in on the platform host with mandatory two-factor.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "operators",
    "shared_apps.backups",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    # Sessions live per schema: a session row can only ever name a user of its own agency.
    "django.contrib.sessions",
    "shared_apps.accounts",
    # Its foreign key to the user table only works inside the tenant schema (django-tenants#955).
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tenant_apps.activity",
    "tenant_apps.kit",
    "tenant_apps.history",
    "tenant_apps.people",
    "tenant_apps.security",
    "tenant_apps.workspace",
    "tenant_apps.onboarding",
    "tenant_apps.files",
    "tenant_apps.client_requests",
    "tenant_apps.documents",
    "tenant_apps.invoices",
    "tenant_apps.payments",
    "tenant_apps.approvals",
    "tenant_apps.satisfaction",
    "tenant_apps.notifications",
    "tenant_apps.messaging",
    "tenant_apps.inbox",
    "tenant_apps.webhooks",
    "tenant_apps.replies",
    "tenant_apps.timesheets",
    "tenant_apps.projects",
    "tenant_apps.reports",
    "tenant_apps.help_centre",
    "tenant_apps.weekly_report",
    "tenant_apps.subscription",
    "tenant_apps.brand_settings",
    "tenant_apps.custom_domains",
    "tenant_apps.usage",
    "tenant_apps.support_access",
    "tenant_apps.announcements",
    "tenant_apps.data_export",
    "tenant_apps.erasure",
    "tenant_apps.agency_archive",
    "tenant_apps.retention",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Agency"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
DATABASE_ROUTERS = [
    # Public-only models to the primary while the default connection is on another cluster.
    "tenants.routers.PublicModelsOnPrimary",
    "django_tenants.routers.TenantSyncRouter",
]
# The longest a process trusts its host → agency cache. Changes clear it at once in every
# process through Redis pub/sub (tenants.host_cache); this only bounds a lost message.
TENANT_HOST_CACHE_SECONDS = env_int("TENANT_HOST_CACHE_SECONDS", 30)
SCHEMA_POOL_SIZE = env_int("SCHEMA_POOL_SIZE", 3)
# The migrated schema new agencies' schemas are copied from (tenants.template); no agency.
# Empty: each new schema is migrated instead (~5 s).
TENANT_BASE_SCHEMA = env_str("TENANT_BASE_SCHEMA", "agency_template")
# How many agencies one database connection serves before it is closed between requests:
# each backend keeps every schema's catalog entries it has touched (tenants.postgresql_backend).
TENANT_SCHEMAS_PER_CONNECTION = env_int("TENANT_SCHEMAS_PER_CONNECTION", 200)
# migrate_schemas migrates only the schemas behind, in this many processes at once.
GET_EXECUTOR_FUNCTION = "tenants.migration_executor.get_executor"
TENANT_MIGRATION_PROCESSES = env_int("TENANT_MIGRATION_PROCESSES", os.cpu_count() or 1)
# How long each process shows its copy of the platform's announcements before reading them
# again (operators.announcements): a change reaches every portal within this time.
ANNOUNCEMENTS_REFRESH_SECONDS = env_int("ANNOUNCEMENTS_REFRESH_SECONDS", 30)
# Where agencies write about a suspension or a scheduled deletion (shown on those pages).
PLATFORM_SUPPORT_EMAIL = env_str("PLATFORM_SUPPORT_EMAIL", f"support@{PLATFORM_DOMAIN}")
# How long an agency has to change its mind once its deletion is asked for.
AGENCY_DELETION_GRACE_DAYS = env_int("AGENCY_DELETION_GRACE_DAYS", 30)
# How long the emailed link to a person's own data export works (it also works only once).
PERSON_EXPORT_LINK_HOURS = env_int("PERSON_EXPORT_LINK_HOURS", 72)
# --- custom domains (tenant_apps.custom_domains; TLS in deploy/Caddyfile) ---
# Agencies point their own domains at this name with a CNAME. A subdomain of the platform's
# here is kept from agency signups (tenants.validators).
CUSTOM_DOMAIN_CNAME_TARGET = env_str(
    "CUSTOM_DOMAIN_CNAME_TARGET", f"domains.{PLATFORM_DOMAIN}"
).lower()
# Nameservers the DNS checks ask, "ip" or "ip:port" ("[v6]:port"); empty: the system's own
# (/etc/resolv.conf). Tests point this at a DNS server of their own on loopback.
DOMAIN_DNS_NAMESERVERS = env_list("DOMAIN_DNS_NAMESERVERS", [])
DOMAIN_DNS_TIMEOUT_SECONDS = env_int("DOMAIN_DNS_TIMEOUT_SECONDS", 5)
# The TLS proxy asks /internal/domain-allowed with this in the X-Portal-Internal-Secret header
# before issuing a certificate; while it is empty the endpoint answers 404 to everyone.
DOMAIN_ALLOWED_SECRET = env_str("DOMAIN_ALLOWED_SECRET", "")
# The proxy asks over plain HTTP and follows no redirects.
SECURE_REDIRECT_EXEMPT = [r"^internal/"]

MIDDLEWARE = [
    # X-Request-ID, the access line, the latency metric: around everything, probes included.
    "shared_apps.core.observability.RequestObservabilityMiddleware",
    # /healthz/live and /healthz/ready on any Host, before routing and ALLOWED_HOSTS.
    "shared_apps.core.probes.ProbeMiddleware",
    "tenants.middleware.TenantHostMiddleware",
    # An agency moving between database clusters answers writes with a 503 (agency_move).
    "tenants.middleware.AgencyMovingMiddleware",
    # NUL or a lone surrogate in the path, the query string or a header: refused before any
    # view or middleware looks it up (shared_apps.core.text).
    "shared_apps.core.text.UnstorableTextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A platform operator's support session: its banner, its end, what it may not do (before
    # anything reads request.user, which may end the session and drop its record's id).
    "tenant_apps.support_access.middleware.SupportSessionMiddleware",
    # The viewer's time zone and locale (theirs, else their agency's).
    "shared_apps.core.regional.RegionalMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A session opened by an emailed single-purpose link reaches only that link's item.
    "tenant_apps.notifications.middleware.ActionLinkScopeMiddleware",
    # One cache round trip for the values every page reads (before the session guard).
    "tenant_apps.workspace.middleware.ShellReadAheadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Keeps "My account" sessions fresh; holds team members at two-factor setup when required.
    "tenant_apps.security.middleware.SessionGuardMiddleware",
    # A suspended agency's host answers "This workspace is suspended", but for signing in and
    # billing (before the read-only guard, which would answer writes with its own page).
    "tenant_apps.subscription.middleware.SuspensionMiddleware",
    # request.billing; a read-only workspace (trial over, cancelled, unpaid) refuses writes.
    "tenant_apps.subscription.middleware.BillingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "branding.context_processors.brand",
                "tenant_apps.workspace.context_processors.actor",
                "tenant_apps.announcements.context_processors.announcements",
                "tenant_apps.subscription.context_processors.platform_support",
            ],
        },
    },
]
# Every form field refuses text PostgreSQL cannot store before it is cleaned.
FORM_RENDERER = "shared_apps.core.text.FormRenderer"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/portal")
    )
}
# Persistent connections are safe because search_path is session state we track;
# never put PgBouncer in transaction mode in front of this (django-tenants#545; refused at
# startup by tenants/checks.py).
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The primary again, for the public tables while "default" serves an agency on another cluster
# (tenants.routers); tests mirror it, so it is the same test database.
DATABASES["primary"] = DATABASES["default"] | {"TEST": {"MIRROR": "default"}}
# Further PostgreSQL clusters agencies' schemas may live on, "east=postgresql://…;west=…"
# (tenants.clusters); the primary (DATABASE_URL) is "default" and keeps the public schema.
AGENCY_DATABASES = env_databases("AGENCY_DATABASES")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
if XDIST_WORKER:
    _redis = urlsplit(REDIS_URL)
    _database = int(_redis.path.strip("/") or 0) + 1 + int(XDIST_WORKER.removeprefix("gw"))
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_database}"))
CACHES = {
    "default": {
        # Django's Redis cache, reusing its Redis client and reading a page's keys ahead.
        "BACKEND": "shared_apps.core.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # Prefixes every key with the current schema, so no key is shared across agencies.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "KEY_PREFIX": _for_test_worker(
            env_str("CACHE_KEY_PREFIX", "portal-test" if TESTING else "portal")
        ),
        "TIMEOUT": 300,
        # Redis down or hung: a call gives up within these, opens the process's circuit, and
        # the cache answers misses until Redis is back (shared_apps.core.redis_circuit).
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out attempts before checking
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:home"
PASSWORD_HASHERS = [
    # Argon2id costs ~108 ms here against ~308 ms for PBKDF2 at 1.5M iterations.
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if TESTING:
    # Hash cost is not under test; Argon2 would add ~100 ms per password. Set here, not
    # in conftest, so the browser tests' server process verifies the same hashes.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Password reset links last an hour; the emails are sent by the worker (security.tasks).
PASSWORD_RESET_TIMEOUT = 3600

# Brute-force lockout: 10 failures for one account from one IP, per agency schema. Covers
# the login form, sign-in link requests and the JWT endpoint (see tenant_apps/security/lockout.py).
AXES_FAILURE_LIMIT = 10
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Lifted after 30 minutes without attempts, or at once by a password reset.
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "tenant_apps.security.lockout.axes_username"
AXES_LOCKOUT_CALLABLE = "tenant_apps.security.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the activity log
AXES_VERBOSE = False
# The client address as the rest of the project reads it (not axes' own ipware settings).
AXES_CLIENT_IP_CALLABLE = "shared_apps.core.client_ip.client_ip"

# Reverse proxies in front of the app, each appending to X-Forwarded-For (deploy/Caddyfile is
# one); 0 ignores that header. See shared_apps/core/client_ip.py.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} is below 0.")


def _otp_issuer(device):
    # Authenticator apps file the entry under the agency's portal name.
    from tenant_apps.security.two_factor import totp_issuer

    return totp_issuer(device)


OTP_TOTP_ISSUER = _otp_issuer

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# ISO input formats whatever locale a request activates (shared_apps.core.regional).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# File storage: private objects under a folder per schema, never below STATIC_ROOT or a served
# MEDIA_URL; they are reached only through views that check permission (tenant_apps.files).
# "local" (disk under FILE_STORAGE_ROOT) or "s3" (an S3-compatible bucket, settings below).
FILE_STORAGE_BACKEND = env_str("FILE_STORAGE_BACKEND", "local")
# Tests' rolled-back transactions leave objects behind: keep those out of the work tree.
_FILES_DEFAULT = (
    Path(tempfile.gettempdir(), _for_test_worker("portal-test-files"))
    if TESTING
    else BASE_DIR / ".data/files"
)
FILE_STORAGE_ROOT = Path(env_str("FILE_STORAGE_ROOT", str(_FILES_DEFAULT)))
# Django's own two, the second deleting its temporary file at once when the disk is full.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "shared_apps.core.outages.TemporaryFileUploadHandler",
]
# The per-agency upload limit, until plans carry their own.
FILE_MAX_UPLOAD_BYTES = env_int("FILE_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)
# The document hub's per-file limit per agency (a setting until plans set it).
DOCUMENT_MAX_UPLOAD_BYTES = env_int("DOCUMENT_MAX_UPLOAD_BYTES", 2 * 1024 * 1024 * 1024)
# --- File storage in S3 and document search (tenant_apps.files, tenant_apps.documents) ---
# FILE_STORAGE_BACKEND=s3: objects in a private bucket (AWS S3, MinIO, R2...) through
# django-storages. Keys stay "<schema>/<yyyy>/<mm>/<random>"; downloads redirect to a presigned
# URL valid FILE_STORAGE_S3_URL_SECONDS that forces an attachment. Empty credentials use boto3's
# own chain (instance role, AWS_* variables); "path" addressing suits MinIO.
FILE_STORAGE_S3_BUCKET = env_str("FILE_STORAGE_S3_BUCKET", "")
FILE_STORAGE_S3_ENDPOINT_URL = env_str("FILE_STORAGE_S3_ENDPOINT_URL", "")  # empty: AWS
FILE_STORAGE_S3_REGION = env_str("FILE_STORAGE_S3_REGION", "")
FILE_STORAGE_S3_ACCESS_KEY_ID = env_str("FILE_STORAGE_S3_ACCESS_KEY_ID", "")
FILE_STORAGE_S3_SECRET_ACCESS_KEY = env_str("FILE_STORAGE_S3_SECRET_ACCESS_KEY", "")
FILE_STORAGE_S3_ADDRESSING_STYLE = env_str("FILE_STORAGE_S3_ADDRESSING_STYLE", "")
FILE_STORAGE_S3_URL_SECONDS = env_int("FILE_STORAGE_S3_URL_SECONDS", 60)
# However small an archive is, it may not unpack to more than this (zip bombs).
FILE_ARCHIVE_MAX_EXPANDED_BYTES = env_int("FILE_ARCHIVE_MAX_EXPANDED_BYTES", 4 * 1024**3)
# Search text is extracted from PDFs and Office files up to this size, and kept up to this
# many characters per version (Postgres caps a tsvector at 1 MB).
DOCUMENT_EXTRACT_MAX_BYTES = env_int("DOCUMENT_EXTRACT_MAX_BYTES", 200 * 1024 * 1024)
DOCUMENT_TEXT_MAX_CHARS = env_int("DOCUMENT_TEXT_MAX_CHARS", 200_000)
# Search ranks at most this many matches; past it (a very common word), newest first.
DOCUMENT_SEARCH_RANKED_MAX = env_int("DOCUMENT_SEARCH_RANKED_MAX", 5000)

# Django's database sessions, read with plain SQL (shared_apps/core/sessions.py).
SESSION_ENGINE = "shared_apps.core.sessions"
# Cookies are host-only (no *_COOKIE_DOMAIN), so a session on acme.<domain> never reaches globex.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_FAILURE_VIEW = "shared_apps.core.api_errors.csrf_failure"  # JSON under /api/
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # The nonce admits only the brand's <style> block of CSS custom properties.
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    # Signup posts on the platform host and redirects to the new agency's host.
    "form-action": [CSP.SELF, f"*.{PLATFORM_DOMAIN}" + (f":{PUBLIC_PORT}" if PUBLIC_PORT else "")],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Mail: a log line per email in dev, each kept whole as an .eml file in MAIL_FILE_DIR (listed
# at /dev/mail/ on the platform host), locmem in tests (Django swaps it in), anymail in
# production, with the provider's credentials from env (below).
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Client Portal <no-reply@{PLATFORM_DOMAIN}>")
ANYMAIL_ESP = env_str("ANYMAIL_ESP", "") if DEBUG else env_str("ANYMAIL_ESP")
# Dev only (the browser tests point it at a folder of their own and read their server's mail).
MAIL_FILE_DIR = env_str("MAIL_FILE_DIR", str(BASE_DIR / ".data" / "mail")) if DEBUG else ""
if ANYMAIL_ESP:
    MAILERS = {"default": {"BACKEND": f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"}}
    # Anymail reads Django settings, not the environment: ANYMAIL_POSTMARK_SERVER_TOKEN (or
    # ANYMAIL_POSTMARK_SERVER_TOKEN_FILE) in env becomes the setting of that name.
    _esp_prefix = f"ANYMAIL_{ANYMAIL_ESP.upper()}_"
    for _name in {key.removesuffix("_FILE") for key in os.environ if key.startswith(_esp_prefix)}:
        globals()[_name] = env_str(_name)
else:
    MAILERS = {
        "default": {
            "BACKEND": "shared_apps.core.dev_mail.DevMailBackend",
            "OPTIONS": {"folder": MAIL_FILE_DIR},
        }
    }

# --- messaging: reply by email (tenant_apps.messaging.email_replies) ---
# Message emails say Reply-To: reply+<signed token>@MESSAGING_REPLY_DOMAIN. Route that domain's
# mail to the ESP's inbound processing, which posts it to https://<PLATFORM_DOMAIN>/inbound-email/
# (anymail's inbound webhook for INBOUND_EMAIL_ESP) with HTTP basic auth "user:password" from
# ANYMAIL_WEBHOOK_SECRET; without a secret the endpoint refuses everything.
MESSAGING_REPLY_DOMAIN = env_str("MESSAGING_REPLY_DOMAIN", f"reply.{PLATFORM_DOMAIN}").lower()
INBOUND_EMAIL_ESP = env_str("INBOUND_EMAIL_ESP", ANYMAIL_ESP or "postmark")
# Bounces and complaints of agencies' emails: the sending ESP's tracking webhook posts to
# /email-events/ on the platform host, with the same basic auth (operators.email_events).
EMAIL_TRACKING_ESP = env_str("EMAIL_TRACKING_ESP", ANYMAIL_ESP or "postmark")
ANYMAIL_WEBHOOK_SECRET = env_list(
    "ANYMAIL_WEBHOOK_SECRET", ["portal:dev-only-inbound-secret"] if DEBUG else []
)

# --- webhooks (tenant_apps.webhooks) ---
# Agencies' endpoints must be https on a public address. Tests (and only tests) let receivers
# on loopback over plain http.
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", TESTING)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Attempt n waits WEBHOOK_RETRY_BASE_SECONDS * 2**(n-2) after the one before: with the defaults
# 1, 2, 4 ... 64 minutes, about two hours in all.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 1 if TESTING else 60)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Reads operator tokens only, on the platform host; leaves the rest to the next.
        "operators.tokens.OperatorJWTAuthentication",
        "tenant_apps.security.tokens.TenantJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # They refuse text PostgreSQL cannot store with a field error (shared_apps.core.text).
    "DEFAULT_PARSER_CLASSES": [
        "shared_apps.core.text.JSONParser",
        "shared_apps.core.text.FormParser",
        "shared_apps.core.text.MultiPartParser",
    ],
    # {"detail", "code"}, or field errors; Django's ValidationError from actions too.
    "EXCEPTION_HANDLER": "shared_apps.core.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "shared_apps.core.api_schema.NestedSerializerAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=14),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY", SECRET_KEY),
    "AUTH_TOKEN_CLASSES": ["tenant_apps.security.tokens.TenantAccessToken"],
    "TOKEN_OBTAIN_SERIALIZER": "tenant_apps.security.tokens.TenantTokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "tenant_apps.security.tokens.TenantTokenRefreshSerializer",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Client Portal API",
    "VERSION": "1",
    "DESCRIPTION": "Errors are JSON (shared_apps.core.api_errors): a refused input is a 400 "
    'naming its fields, `{"field": ["message"]}`, nested for objects and lists; any other '
    'error is `{"detail": "...", "code": "..."}`.',
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field name another choice set also uses (invitations have a status).
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "tenant_apps.client_requests.models.Status",
        "InvoiceStatusEnum": "tenant_apps.invoices.models.InvoiceStatus",
        "InvoiceKindEnum": "tenant_apps.invoices.models.InvoiceKind",
        "DocumentKindEnum": "tenant_apps.documents.models.DocumentKind",
        "NotificationChannelEnum": "tenant_apps.notifications.kinds.Channel",
        "MilestoneStatusEnum": "tenant_apps.projects.models.MilestoneStatus",
        "WebhookEndpointKindEnum": "tenant_apps.webhooks.models.EndpointKind",
        "HelpArticleStatusEnum": "tenant_apps.help_centre.models.ArticleStatus",
        "HelpCollectionVisibilityEnum": "tenant_apps.help_centre.models.Visibility",
        "HelpArticleVisibilityEnum": "tenant_apps.help_centre.models.ArticleVisibility",
    },
}

# --- billing (Stripe) ---
# No secret key means billing is off: every agency is on the top plan and the pages say so.
# STRIPE_SECRET_KEY_FILE / STRIPE_WEBHOOK_SECRET_FILE work too (config/env.py).
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Empty means Stripe's own API; the tests point it at a stand-in on loopback.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")
BILLING_TRIAL_DAYS = env_int("BILLING_TRIAL_DAYS", 14)
BILLING_TRIAL_PLAN = "growth"  # the limits a trial runs with
# Cheapest first; the last is the top plan. None means no limit.
BILLING_PLANS = [
    {
        "key": "starter",
        "name": "Starter",
        "monthly_price": "29",
        "price_id": env_str("STRIPE_PRICE_STARTER", ""),
        # Percent of each client payment through Connect kept by the platform.
        "application_fee_percent": "2",
        "seats": 3,
        "client_companies": 5,
        "storage_gb": 10,
        "custom_domain": False,
    },
    {
        "key": "growth",
        "name": "Growth",
        "monthly_price": "79",
        "price_id": env_str("STRIPE_PRICE_GROWTH", ""),
        "application_fee_percent": "1",
        "seats": 10,
        "client_companies": 25,
        "storage_gb": 100,
        "custom_domain": True,
    },
    {
        "key": "scale",
        "name": "Scale",
        "monthly_price": "199",
        "price_id": env_str("STRIPE_PRICE_SCALE", ""),
        "application_fee_percent": "0",
        "seats": None,
        "client_companies": None,
        "storage_gb": 1000,
        "custom_domain": True,
    },
]
if STRIPE_SECRET_KEY and not (
    STRIPE_WEBHOOK_SECRET and all(plan["price_id"] for plan in BILLING_PLANS)
):
    raise ImproperlyConfigured(
        "With STRIPE_SECRET_KEY set, also set STRIPE_WEBHOOK_SECRET and STRIPE_PRICE_STARTER, "
        "STRIPE_PRICE_GROWTH and STRIPE_PRICE_SCALE."
    )
# Clients paying invoices (tenant_apps.payments): each agency connects its own Stripe
# account through Account Links, "standard" or "express"; the platform never holds the money.
STRIPE_CONNECT_ACCOUNT_TYPE = env_str("STRIPE_CONNECT_ACCOUNT_TYPE", "standard")
if STRIPE_CONNECT_ACCOUNT_TYPE not in ("standard", "express"):
    raise ImproperlyConfigured('STRIPE_CONNECT_ACCOUNT_TYPE is "standard" or "express".')
# Checkout, the Customer Portal and Connect onboarding are reached by a form post that
# redirects there.
SECURE_CSP["form-action"] += env_list(
    "STRIPE_REDIRECT_ORIGINS",
    ["https://checkout.stripe.com", "https://billing.stripe.com", "https://connect.stripe.com"],
)

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands a message a worker took but never acknowledged (acks late: until the task ends)
# to the queue again this long after it was taken. That is how the tasks of a worker killed
# with its parent process come back (a killed pool process's task is requeued at once:
# reject_on_worker_lost). Longer than any countdown we set, as a message waiting for its time
# is held unacknowledged (the last webhook retry waits 64 minutes by default: a shorter timeout
# hands out a copy of it each time), and than any task's run. docs/reliability/worker-kill.md
_VISIBILITY_TIMEOUT = WEBHOOK_RETRY_BASE_SECONDS * 2 ** (WEBHOOK_MAX_ATTEMPTS - 2) + 15 * 60
# Tests get their own queue so a running dev worker never picks up their tasks.
CELERY_TASK_DEFAULT_QUEUE = _for_test_worker(
    env_str("CELERY_QUEUE", "portal-test" if TESTING else "portal")
)
# Redis down (docs/reliability/redis-outage.md): a publish gives up within a second or two
# instead of Celery's default of retrying the connection for seconds; the outbox
# (shared_apps.core.tasks) holds what was not sent. The socket timeouts also bound a hung
# Redis (kombu waits forever without them); the worker's BRPOP wait is 1 s, under them.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# How often beat relays the outbox: tasks whose publish failed (Redis down) or whose sender
# died after its commit. Each process also asks for a relay as soon as Redis answers again.
OUTBOX_RELAY_SECONDS = env_int("OUTBOX_RELAY_SECONDS", 30)
# A task published from the outbox and not started this long after its publish (or its eta)
# was lost inside Redis, and the relay sends it again: longer than any task waits in the queue
# for a worker, or tasks run twice (each is idempotent; docs/reliability/redis-outage.md).
OUTBOX_REPUBLISH_AFTER_SECONDS = env_int("OUTBOX_REPUBLISH_AFTER_SECONDS", 300)
# How often beat closes support sessions that ran out while their browser was away: at most
# this late, an operator's access ends in the logs.
SUPPORT_SESSIONS_CLOSE_SECONDS = env_int("SUPPORT_SESSIONS_CLOSE_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    # Tasks waiting in the outbox (shared_apps.core.tasks).
    "outbox-relay": {
        "task": "shared_apps.core.tasks.outbox_relay",
        "schedule": OUTBOX_RELAY_SECONDS,
    },
    # Billing: tell owners their trial ends in three days, then that it ended.
    "billing-trial-notices": {
        "task": "billing.tasks.trial_notices",
        "schedule": crontab(minute=40),
    },
    # Connected accounts not taking charges yet, read again in case an event went missing.
    "billing-connect-accounts-refresh": {
        "task": "billing.tasks.connect_accounts_refresh",
        "schedule": crontab(minute=10),
    },
    # Support sessions whose time or grant ran out unseen: closed in both logs.
    "support-sessions-close": {
        "task": "operators.tasks.support_sessions_close",
        "schedule": SUPPORT_SESSIONS_CLOSE_SECONDS,
    },
    # Agencies whose deletion grace has run out: schema dropped, files purged, rows removed.
    "agencies-delete-due": {
        "task": "operators.tasks.agencies_delete_due",
        "schedule": crontab(minute=50),
    },
    "fill-schema-pool": {
        "task": "tenants.tasks.fill_schema_pool",
        "schedule": crontab(minute="*/5"),
    },
    # Custom domains still waiting for their DNS records (added in the last week).
    "custom-domains-recheck": {
        "task": "tenant_apps.custom_domains.tasks.domains_recheck",
        "schedule": crontab(minute="*/10"),
    },
    # Time alone turns requests at risk: refresh their SLA and alert owners, per agency.
    "sla-sweep": {
        "task": "tenant_apps.client_requests.tasks.sla_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Webhook deliveries whose task was lost (a broker outage, a worker killed).
    "webhook-sweep": {
        "task": "tenant_apps.webhooks.tasks.webhook_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Document versions whose text extraction task was lost (broker outage, crash).
    "document-extraction-sweep": {
        "task": "tenant_apps.documents.tasks.extraction_sweep",
        "schedule": crontab(minute="*/15"),
    },
    # Each person's digest-preference notifications since their last digest, one email a day.
    "notification-digests": {
        "task": "tenant_apps.notifications.tasks.digest_sweep",
        "schedule": crontab(hour=7, minute=0),
    },
    # Due tomorrow / due today / overdue reminders for requests and file requests, per agency.
    "due-reminders": {
        "task": "tenant_apps.inbox.tasks.reminder_sweep",
        "schedule": crontab(minute=15),
    },
    # Unpaid invoices past their due date turn overdue and remind the client, per agency.
    "invoice-sweep": {
        "task": "tenant_apps.invoices.tasks.invoice_sweep",
        "schedule": crontab(minute=7),
    },
    # Pending approvals remind their approvers (due soon, due today, overdue), per agency;
    # hourly so a missed run catches up, each step sent once per approver.
    "approval-reminders": {
        "task": "tenant_apps.approvals.tasks.approval_reminders",
        "schedule": crontab(minute=22),
    },
    # Each agency's usage (seats, clients, storage, requests, failures) into the public
    # schema, one row a day updated hourly: the operator console reads only those rows.
    "usage-gather": {
        "task": "tenant_apps.usage.tasks.usage_gather",
        "schedule": crontab(minute=50),
    },
    # Each agency's retention settings: closed requests, old file versions and sign-in
    # records past their time are removed, once a day at a quiet hour.
    "retention-sweep": {
        "task": "tenant_apps.retention.tasks.retention_sweep",
        "schedule": crontab(minute=20, hour=3),
    },
    # Each client company's admins: what the team did last week and what waits on them.
    # People's own data exports past their link's life (or downloaded): bytes removed, per agency.
    "person-exports-expire": {
        "task": "tenant_apps.data_export.tasks.person_exports_expire_all",
        "schedule": crontab(minute=35, hour=3),
    },
    "weekly-client-reports": {
        "task": "tenant_apps.weekly_report.tasks.weekly_reports",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Owners' full exports: expired ones' files removed, builds whose task was lost queued
    # again, per agency.
    "agency-exports-sweep": {
        "task": "tenant_apps.agency_archive.tasks.agency_exports_sweep",
        "schedule": crontab(minute=35, hour=3),
    },
}

# One JSON object a line (json, the default with DEBUG off) or readable text; each line with
# the request id, schema and user id, scrubbed of tokens and addresses (shared_apps.core.logs).
# Celery's worker and beat log through it too (config/celery.py).
try:
    LOG_FORMAT = log_format(env_str("LOG_FORMAT", ""), debug=DEBUG)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
LOGGING = logging_config(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))
logging.captureWarnings(True)  # warnings as log lines too, not bare text on stderr

# Prometheus asks /internal/metrics with "Authorization: Bearer <METRICS_SECRET>" (any Host,
# shared_apps.core.metrics); while it is empty the endpoint answers 404 to everyone.
METRICS_SECRET = env_str("METRICS_SECRET", "")

if SENTRY_DSN:
    import sentry_sdk

    from shared_apps.core.error_reports import SENTRY_OPTIONS

    # No personal data, no request bodies, no local variables; see the module.
    sentry_sdk.init(dsn=SENTRY_DSN, **SENTRY_OPTIONS)

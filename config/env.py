"""Typed environment readers that fail loudly.

Every setting that can vary between machines is read through one of these, so
a typo such as ``DEBUG=flase`` stops the process at start-up instead of
silently meaning something else. A secret ``X`` may instead be given as
``X_FILE``, a path whose contents are the value (Docker/Kubernetes secrets).
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_UNSET = object()


def env_str(name: str, default=_UNSET) -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    value = os.environ.get(name)
    if value is not None:
        return value
    if default is _UNSET:
        raise ImproperlyConfigured(f"Set the {name} environment variable (or {name}_FILE).")
    return default


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name, str(default)).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use true or false.")


def env_int(name: str, default: int) -> int:
    value = env_str(name, str(default)).strip()
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name, ",".join(default))
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Parse ``postgresql://user:pass@host:port/name?host=/socket/dir`` for django-tenants."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be postgresql://…, not {parts.scheme}://")
    query = parse_qs(parts.query)
    return {
        "ENGINE": "tenants.postgresql_backend",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": query.get("host", [parts.hostname or ""])[0],
        "PORT": str(parts.port or ""),
    }


def env_databases(name: str) -> dict[str, dict]:
    """``east=postgresql://…;west=postgresql://…``: each named database's settings."""
    databases = {}
    for item in env_str(name, "").split(";"):
        if not item.strip():
            continue
        label, separator, url = item.partition("=")
        label = label.strip()
        if not separator or not label.isidentifier() or not label.islower():
            raise ImproperlyConfigured(
                f"{name}: {item.strip()!r} is not name=postgresql://… (a lowercase name)."
            )
        if label in {"default", "primary"} or label in databases:
            raise ImproperlyConfigured(f"{name}: the name {label!r} is taken.")
        databases[label] = database_from_url(url.strip())
    return databases

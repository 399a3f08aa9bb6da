"""How archives reach an agency's stored files.

The files live in the agency side's storage (``tenant_apps.files``), which the public core
never imports: the agency side registers an ``AgencyFiles`` here when it loads
(``tenant_apps.agency_archive``), the way ``operators.signals.agency_files_purge`` reaches it.
"""

from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol

from django.core.exceptions import ImproperlyConfigured


class AgencyFiles(Protocol):
    def keys(self, schema_name: str) -> Iterator[str]:
        """Every complete object stored for the schema (keys start with ``schema_name/``)."""

    def open(self, key: str) -> BinaryIO: ...

    def save(self, key: str, chunks: Iterable[bytes]) -> None:
        """Write the object all or nothing."""

    def delete(self, key: str) -> None: ...

    def rekey(self, old_prefix: str, new_prefix: str) -> None:
        """Point the current schema's rows at keys under ``new_prefix`` instead of
        ``old_prefix`` (a sandbox copy keeps its files under its own schema name)."""


_registered: list[AgencyFiles] = []


def agency_files_register(files: AgencyFiles) -> None:
    _registered[:] = [files]


def agency_files() -> AgencyFiles:
    if not _registered:
        raise ImproperlyConfigured("No agency file storage is registered (tenant_apps.files).")
    return _registered[0]

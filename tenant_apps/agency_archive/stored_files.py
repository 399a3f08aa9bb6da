"""The agency side's file storage, as archives reach it (``shared_apps.backups.files``)."""

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.db.models import Value
from django.db.models.functions import Concat, Substr

from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import PARTIAL_SUFFIX, file_storage


class StoredFiles:
    def keys(self, schema_name: str) -> Iterator[str]:
        for key, _modified in file_storage().listing(schema_name):
            if not key.endswith(PARTIAL_SUFFIX):  # an abandoned write, not a file
                yield key

    def open(self, key: str) -> BinaryIO:
        return file_storage().open(key)

    def save(self, key: str, chunks: Iterable[bytes]) -> None:
        file_storage().save(key, chunks)

    def delete(self, key: str) -> None:
        file_storage().delete(key)

    def rekey(self, old_prefix: str, new_prefix: str) -> None:
        # Preview pages are found from their file's key, so only the files' rows name keys.
        StoredFile.objects.filter(key__startswith=f"{old_prefix}/").update(
            key=Concat(Value(f"{new_prefix}/"), Substr("key", len(old_prefix) + 2))
        )

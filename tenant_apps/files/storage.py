"""Where stored files' bytes live.

Callers see a small interface (save from chunks, open for reading, delete, list, and a
download URL where the backend can hand one out) keyed by the random keys ``file_store``
makes; nothing here ever sees a user's file name.
``FILE_STORAGE_BACKEND`` picks local disk ("local") or an S3-compatible bucket ("s3").
"""

import functools
import io
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Big enough for throughput, small enough that a 1 GB file never sits in memory.
CHUNK_SIZE = 1 << 20
PARTIAL_SUFFIX = ".part"


class LocalFileStorage:
    """Private files under ``root``/<schema>/…: folders 0700, files 0600, outside anything the
    web server or WhiteNoise serves."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def save(self, key: str, chunks: Iterable[bytes]) -> None:
        """Write ``chunks`` to ``key`` all or nothing: readers never see a half-written object,
        and an error raised while iterating ``chunks`` (a refusal mid-stream) leaves no file."""
        path = self._path(key)
        self._make_folders(path.parent)
        # Named per writer: two workers drawing the same preview at once must not collide.
        partial = path.with_name(f"{path.name}.{secrets.token_hex(8)}{PARTIAL_SUFFIX}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        # The rename itself must survive a crash, or a committed row could lose its object.
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def download_url(self, key: str, *, disposition: str, content_type: str) -> None:
        """Local files have no URL: the download view streams them."""
        return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_all(self, prefix: str) -> int:
        """Remove everything under the folder ``prefix``; returns how many files there were."""
        top = self._path(prefix)
        count = sum(1 for _ in self.listing(prefix))
        if top.exists():
            shutil.rmtree(top)
        return count

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Each object (or abandoned partial write) under ``prefix`` with its modification time."""
        top = self._path(prefix)
        for folder, _subfolders, names in top.walk():
            for name in names:
                path = folder / name
                modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
                yield path.relative_to(self.root).as_posix(), modified

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"Storage key {key!r} points outside the storage root.")
        return path

    def _make_folders(self, folder: Path) -> None:
        # Path.mkdir(parents=True) would give the parents default permissions, not 0700.
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for each in reversed(missing):
            each.mkdir(mode=0o700, exist_ok=True)


class _ChunksReader(io.RawIOBase):
    """``chunks`` as a readable stream, for uploaders that pull bytes rather than take them."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


# S3 parts are uploaded one at a time from this process, so memory holds about one part.
S3_PART_SIZE = 8 * CHUNK_SIZE


class S3FileStorage:
    """Private objects in an S3-compatible bucket (AWS S3, MinIO, R2, ...) via django-storages.

    The bucket must not be public; objects carry no ACL. Writes are multipart uploads, which
    S3 only makes visible when completed, so readers never see half an object, and a refusal
    raised while the chunks stream aborts the upload. Downloads are redirects to a presigned
    URL that lives ``FILE_STORAGE_S3_URL_SECONDS`` and forces an attachment.
    """

    def __init__(self, s3_storage):
        self._s3 = s3_storage  # storages.backends.s3.S3Storage

    def save(self, key: str, chunks: Iterable[bytes]) -> None:
        # Buffered, so each read returns a whole part: S3 refuses parts under 5 MB but the last.
        self._s3.save(key, io.BufferedReader(_ChunksReader(chunks), CHUNK_SIZE))

    def open(self, key: str) -> BinaryIO:
        """A forward-only stream of the object (not seekable; copy it where that matters)."""
        return self._s3.bucket.Object(key).get()["Body"]

    def delete(self, key: str) -> None:
        self._s3.delete(key)

    def delete_all(self, prefix: str) -> int:
        """Remove every object under ``prefix``/; returns how many there were."""
        keys = [key for key, _modified in self.listing(prefix)]
        for key in keys:
            self._s3.delete(key)
        return len(keys)

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        paginator = self._s3.connection.meta.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._s3.bucket_name, Prefix=f"{prefix}/"):
            for entry in page.get("Contents", ()):
                yield entry["Key"], entry["LastModified"]

    def download_url(self, key: str, *, disposition: str, content_type: str) -> str:
        """A presigned GET that makes S3 answer with these headers, not the object's own."""
        return self._s3.url(
            key,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
                "ResponseCacheControl": "private, no-store",
            },
            expire=settings.FILE_STORAGE_S3_URL_SECONDS,
        )


@functools.cache
def _s3_storage(bucket, endpoint_url, region, access_key, secret_key, addressing_style):
    # Imported here: boto3 costs the web process tens of MB it does not need with local files.
    from boto3.s3.transfer import TransferConfig
    from storages.backends.s3 import S3Storage

    return S3FileStorage(
        S3Storage(
            bucket_name=bucket,
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            # Empty: boto3's own chain (instance role, AWS_* variables, config files).
            access_key=access_key or None,
            secret_key=secret_key or None,
            addressing_style=addressing_style or None,
            signature_version="s3v4",
            default_acl=None,
            querystring_auth=True,
            file_overwrite=True,  # keys are random: no existence check before each write
            transfer_config=TransferConfig(
                multipart_threshold=S3_PART_SIZE,
                multipart_chunksize=S3_PART_SIZE,
                use_threads=False,
            ),
        )
    )


def file_storage() -> LocalFileStorage | S3FileStorage:
    """The configured storage, read from settings on each call so tests can point it elsewhere."""
    backend = settings.FILE_STORAGE_BACKEND
    if backend == "local":
        return LocalFileStorage(settings.FILE_STORAGE_ROOT)
    if backend == "s3":
        if not settings.FILE_STORAGE_S3_BUCKET:
            raise ImproperlyConfigured("FILE_STORAGE_BACKEND=s3 needs FILE_STORAGE_S3_BUCKET.")
        return _s3_storage(
            settings.FILE_STORAGE_S3_BUCKET,
            settings.FILE_STORAGE_S3_ENDPOINT_URL,
            settings.FILE_STORAGE_S3_REGION,
            settings.FILE_STORAGE_S3_ACCESS_KEY_ID,
            settings.FILE_STORAGE_S3_SECRET_ACCESS_KEY,
            settings.FILE_STORAGE_S3_ADDRESSING_STYLE,
        )
    raise ImproperlyConfigured(
        f"FILE_STORAGE_BACKEND={backend!r} is not a storage backend; use 'local' or 's3'."
    )


@contextmanager
def open_seekable(key: str) -> Iterator[BinaryIO]:
    """The object, seekable: as stored on local disk, or copied to a temporary file (S3)."""
    stream = file_storage().open(key)
    try:
        if stream.seekable():
            yield stream
            return
        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(stream, copy, CHUNK_SIZE)
            copy.seek(0)
            yield copy
    finally:
        stream.close()

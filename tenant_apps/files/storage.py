"""Where stored files' bytes live.

Callers see a small interface (save from chunks, open for reading, delete, list) keyed by the
random keys ``file_store`` makes; nothing here ever sees a user's file name. Local disk is the
only backend so far: an S3 one (django-storages) would implement the same four methods and be
picked by ``FILE_STORAGE_BACKEND``.
"""

import os
from collections.abc import Iterable, Iterator
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
        partial = path.with_name(path.name + PARTIAL_SUFFIX)
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

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

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


def file_storage() -> LocalFileStorage:
    """The configured storage, read from settings on each call so tests can point it elsewhere."""
    backend = settings.FILE_STORAGE_BACKEND
    if backend == "local":
        return LocalFileStorage(settings.FILE_STORAGE_ROOT)
    raise ImproperlyConfigured(
        f"FILE_STORAGE_BACKEND={backend!r} is not available; only 'local' is implemented."
    )

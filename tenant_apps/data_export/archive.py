"""Writing a person's archive: a zip of JSON parts, their uploaded files and a README.txt.

Written to a temporary file first (a zip's directory comes last), then streamed into file
storage; a file's bytes are copied in chunks, so no upload sits in memory whole.
"""

import hashlib
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone

from shared_apps.core.regional import regional_for
from tenant_apps.data_export import selectors
from tenant_apps.files.storage import CHUNK_SIZE, file_storage

FILES_FOLDER = "files"


@dataclass(frozen=True)
class Part:
    name: str  # the JSON file's name in the archive
    read: Callable


PARTS = [
    Part("profile.json", selectors.profile_part),
    Part("memberships.json", selectors.memberships_part),
    Part("requests.json", selectors.requests_part),
    Part("messages.json", selectors.messages_part),
    Part("approval_decisions.json", selectors.decisions_part),
    Part("notifications.json", selectors.notifications_part),
    Part("sign_ins.json", selectors.sign_ins_part),
    Part("activity.json", selectors.activity_part),
]


def file_path(stored_file) -> str:
    """Where a stored file sits in the archive: its id keeps two files of one name apart."""
    name = PurePosixPath(stored_file.name.replace("\\", "_")).name or "file"
    return f"{FILES_FOLDER}/{stored_file.pk}-{name}"


def _json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def archive_write(person, out) -> None:
    """Write ``person``'s archive, as a zip, to the binary file ``out``."""
    files = selectors.uploaded_files(person)
    uses = selectors.file_uses(files)
    storage = file_storage()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in PARTS:
            archive.writestr(part.name, _json(part.read(person)))
        listing = []
        for stored in files:
            path = file_path(stored)
            listing.append(
                {
                    "path_in_this_archive": path,
                    "name": stored.name,
                    "uploaded_for": uses.get(stored.pk, ""),
                    "size_bytes": stored.size,
                    "sha256": stored.sha256,
                    "content_type": stored.content_type,
                    "uploaded_at": stored.created_at.isoformat(),
                }
            )
            with storage.open(stored.key) as source, archive.open(path, "w") as target:
                shutil.copyfileobj(source, target, CHUNK_SIZE)
        archive.writestr("files.json", _json(listing))
        with regional_for(person):
            readme = render_to_string(
                "data_export/archive_readme.txt",
                {
                    "person": person,
                    "agency_name": connection.tenant.name,
                    "made_at": timezone.now(),
                    "file_count": len(files),
                },
            )
        archive.writestr("README.txt", readme)


@dataclass(frozen=True)
class Built:
    file: BinaryIO
    size: int
    sha256: str


@contextmanager
def archive_built(person) -> Iterator[Built]:
    """The archive in a temporary file (rewound), with its size and SHA-256; gone after."""
    with tempfile.TemporaryFile() as out:
        archive_write(person, out)
        out.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: out.read(CHUNK_SIZE), b""):
            digest.update(chunk)
        size = out.tell()
        out.seek(0)
        yield Built(file=out, size=size, sha256=digest.hexdigest())

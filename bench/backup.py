"""Times agency_backup and agency_restore for one agency: ``python -m bench.backup [SUBDOMAIN]``.

Against the database in DATABASE_URL (and the file storage of this environment). Without a
subdomain: the demo agency, seeded first (``seed_demo``) if it is missing. The restore is a
sandbox copy in the same database (``--as <subdomain>-bench-copy``), removed afterwards with
its files. For the agency with 10,000 requests and 2,000 files: ``python -m
bench.seed_requests 10000`` first (the agency ``bench-lists``), then ``python -m bench.backup
bench-lists --files 2000``, which first stores files until it holds that many (64 KB of
random bytes each, as the team owner's uploads).

Prints JSON: seconds for each, the archive's bytes, and its tables, rows and files.
"""
# ruff: noqa: E402  (Django must be set up before models are imported)

import io
import json
import tempfile
import time
import zipfile
from pathlib import Path

import django

django.setup()

import argparse
import hashlib
import os
import uuid

from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import User
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tenants.models import Agency

FILE_BYTES = 64 * 1024


def files_fill(agency, count: int) -> None:
    """Store files in ``agency`` until it holds ``count``."""
    with tenant_context(agency):
        owner = User.objects.order_by("pk").first()
        storage, rows = file_storage(), []
        for _ in range(count - StoredFile.objects.count()):
            data = os.urandom(FILE_BYTES)
            key = f"{connection.schema_name}/bench/{uuid.uuid4().hex}"
            storage.save(key, [data])
            rows.append(
                StoredFile(
                    key=key,
                    name=f"bench-{len(rows)}.bin",
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    content_type="application/octet-stream",
                    uploaded_by=owner,
                )
            )
        StoredFile.objects.bulk_create(rows, batch_size=500)


def main(subdomain: str, files: int = 0) -> dict:
    if not Agency.objects.filter(subdomain=subdomain).exists():
        call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    if files:
        files_fill(Agency.objects.get(subdomain=subdomain), files)
    copy = f"{subdomain}-bench-copy"[:40]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{subdomain}.zip"
        started = time.perf_counter()
        call_command("agency_backup", subdomain, out=str(path), stdout=io.StringIO())
        backed_up = time.perf_counter() - started
        with zipfile.ZipFile(path) as archive:
            parts = json.loads(archive.read("manifest.json"))["parts"]
        started = time.perf_counter()
        call_command("agency_restore", str(path), subdomain=copy, stdout=io.StringIO())
        restored = time.perf_counter() - started
        size = path.stat().st_size
    sandbox = Agency.objects.get(subdomain=copy)
    file_storage().delete_all(sandbox.schema_name)
    sandbox.delete(force_drop=True)
    return {
        "agency": subdomain,
        "backup_seconds": round(backed_up, 2),
        "restore_seconds": round(restored, 2),
        "archive_bytes": size,
        "tables": sum(1 for name in parts if name.startswith("schema/")),
        "rows": sum(part.get("rows", 0) for part in parts.values()),
        "files": sum(1 for name in parts if name.startswith("files/")),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("subdomain", nargs="?", default="demo")
    parser.add_argument("--files", type=int, default=0, help="Store files up to this many.")
    arguments = parser.parse_args()
    print(json.dumps(main(arguments.subdomain, arguments.files), indent=1))

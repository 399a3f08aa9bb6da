"""Times agency_backup and agency_restore for one agency: ``python -m bench.backup [SUBDOMAIN]``.

Against the database in DATABASE_URL (and the file storage of this environment). Without a
subdomain: the demo agency, seeded first (``seed_demo``) if it is missing. The restore is a
sandbox copy in the same database (``--as <subdomain>-bench-copy``), removed afterwards with
its files. For the agency with 10,000 requests and 2,000 files: ``python -m
bench.seed_requests 10000`` (the agency ``bench-lists``), ``python -m bench.seed_files
bench-lists 2000`` (documents, some with a second version), then ``python -m bench.backup
bench-lists``.

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

from django.core.management import call_command

from tenant_apps.files.storage import file_storage
from tenants.models import Agency


def main(subdomain: str) -> dict:
    if not Agency.objects.filter(subdomain=subdomain).exists():
        call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
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
    arguments = parser.parse_args()
    print(json.dumps(main(arguments.subdomain), indent=1))

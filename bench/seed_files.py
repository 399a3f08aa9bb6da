"""Adds N documents with stored files to an agency; part of the backup bench's big agency.

``python -m bench.seed_files SUBDOMAIN N``: N text files of 4 to 64 KiB (seeded random words)
uploaded by the agency's owner through ``document_upload``, spread over its client
companies, one in five with a second version (``version_add``), so a backup carries files
with their versions. Real actions: each file is sniffed, hashed, stored and logged.
Prints JSON: documents, versions and bytes stored.
"""
# ruff: noqa: E402  (Django must be set up before models are imported)

import json
import random
import sys

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from tenant_apps.documents.actions import document_upload, version_add
from tenant_apps.kit.roles import TeamRole
from tenant_apps.people.models import ClientCompany, TeamMember
from tenants.models import Agency

WORDS = [
    "brief",
    "draft",
    "logo",
    "banner",
    "invoice",
    "approval",
    "launch",
    "review",
    "copy",
    "photo",
    "layout",
]


def text_file(rng: random.Random, name: str) -> SimpleUploadedFile:
    size = rng.randint(4, 64) * 1024
    words = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return SimpleUploadedFile(name, " ".join(words).encode()[:size], "text/plain")


def main():
    subdomain, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(2026)
    agency = Agency.objects.get(subdomain=subdomain)
    documents = versions = stored = 0
    with tenant_context(agency):
        owner = TeamMember.objects.get(role=TeamRole.OWNER).user
        companies = list(ClientCompany.objects.order_by("pk"))
        for number in range(count):
            upload = text_file(rng, f"notes-{number:05}.txt")
            document = document_upload(
                company=companies[number % len(companies)], upload=upload, actor=owner
            )
            documents += 1
            versions += 1
            stored += upload.size
            if number % 5 == 0:
                again = text_file(rng, f"notes-{number:05}.txt")
                version_add(document=document, upload=again, actor=owner)
                versions += 1
                stored += again.size
    print(json.dumps({"documents": documents, "versions": versions, "bytes": stored}))


if __name__ == "__main__":
    sys.exit(main())

"""File storage in an S3-compatible bucket (FILE_STORAGE_BACKEND=s3), against moto's S3 server
on loopback: streamed multipart writes that leave nothing when refused, presigned attachment
downloads, listing for the orphan sweep, text extraction and previews from a non-seekable
stream."""

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context
from moto.server import ThreadedMotoServer

from operators.signals import agency_files_purge
from tenant_apps.documents.extraction import version_text
from tenant_apps.documents.models import ExtractionState
from tenant_apps.files.actions import file_orphans_delete, file_store
from tenant_apps.files.models import PreviewState, StoredFile, page_key
from tenant_apps.files.responses import file_download_response
from tenant_apps.files.storage import S3_PART_SIZE, S3FileStorage, file_storage
from tenant_apps.files.tasks import file_preview_make
from tenants.models import Agency
from tests.conftest import signed_in_client
from tests.routes_documents import PDF, make_document, pdf_file
from tests.test_documents_search import pdf_with_text

BUCKET = "portal-files"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(settings, s3_endpoint):
    settings.FILE_STORAGE_BACKEND = "s3"
    settings.FILE_STORAGE_S3_BUCKET = BUCKET
    settings.FILE_STORAGE_S3_ENDPOINT_URL = s3_endpoint
    settings.FILE_STORAGE_S3_REGION = "us-east-1"
    settings.FILE_STORAGE_S3_ACCESS_KEY_ID = "test-key"
    settings.FILE_STORAGE_S3_SECRET_ACCESS_KEY = "test-secret"
    settings.FILE_STORAGE_S3_ADDRESSING_STYLE = "path"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for entry in page.get("Contents", ()):
            client.delete_object(Bucket=BUCKET, Key=entry["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def owner(world):
    with tenant_context(world.acme):
        yield world.personas["owner"].user


def keys(client) -> list[str]:
    return [entry["Key"] for entry in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def unfinished_uploads(client) -> list:
    return client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])


def big_upload(name: str, head: bytes, size: int, tail: bytes = b"") -> TemporaryUploadedFile:
    upload = TemporaryUploadedFile(name, "application/octet-stream", 0, None)
    upload.write(head)
    block = b"a" * MB
    while upload.tell() + len(block) <= size - len(tail):
        upload.write(block)
    upload.write(b"a" * (size - len(tail) - upload.tell()) + tail)
    upload.size = upload.tell()
    upload.seek(0)
    return upload


def test_the_setting_picks_s3(bucket):
    assert isinstance(file_storage(), S3FileStorage)


def test_a_file_is_stored_under_its_random_tenant_prefixed_key(bucket, owner, world):
    stored = file_store(upload=SimpleUploadedFile("Brief.pdf", PDF), uploaded_by=owner)
    assert keys(bucket) == [stored.key]
    assert stored.key.startswith(f"{world.acme.schema_name}/")
    assert "Brief" not in stored.key
    assert file_storage().open(stored.key).read() == PDF
    head = bucket.head_object(Bucket=BUCKET, Key=stored.key)
    assert head["ContentType"] == "application/octet-stream"  # the real type rides on downloads


def test_a_large_file_goes_up_in_parts_and_comes_back_whole(bucket, owner):
    upload = big_upload("big.pdf", b"%PDF-1.7\n", 2 * S3_PART_SIZE + 123)
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    stored = file_store(upload=upload, uploaded_by=owner)
    upload.close()

    assert stored.sha256 == digest
    body = file_storage().open(stored.key)
    assert hashlib.sha256(body.read()).hexdigest() == digest
    assert bucket.head_object(Bucket=BUCKET, Key=stored.key)["ContentLength"] == stored.size
    assert unfinished_uploads(bucket) == []


def _lying_about_its_size() -> SimpleUploadedFile:
    upload = SimpleUploadedFile("lie.pdf", PDF + bytes(3 * MB))
    upload.size = 10  # as declared; the bytes say otherwise
    return upload


@pytest.mark.parametrize(
    ("name", "upload_of", "max_bytes", "reason"),
    [
        # Refused within the first part, before anything is sent.
        ("lie.pdf", _lying_about_its_size, MB, "larger"),
        # Refused after two parts went up: the multipart upload is aborted.
        (
            "notes.txt",
            lambda: big_upload("notes.txt", b"notes\n", 2 * S3_PART_SIZE + MB, b"\x00"),
            100 * MB,
            "NUL",
        ),
    ],
)
def test_a_refusal_while_streaming_leaves_no_object_and_no_parts(
    bucket, owner, name, upload_of, max_bytes, reason
):
    with pytest.raises(ValidationError) as refused:
        file_store(upload=upload_of(), uploaded_by=owner, max_bytes=max_bytes)
    assert refused.value.messages[0].startswith(f'"{name}" was refused: ')
    assert reason in refused.value.messages[0]
    assert keys(bucket) == []
    assert unfinished_uploads(bucket) == []
    assert not StoredFile.objects.exists()


def test_downloads_redirect_to_a_short_lived_presigned_attachment(bucket, owner):
    stored = file_store(upload=SimpleUploadedFile('Résumé "v2".pdf', PDF), uploaded_by=owner)
    response = file_download_response(stored)

    assert response.status_code == 302
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"
    url = response["Location"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["response-content-disposition"] == [
        "attachment; filename=\"Resume _v2_.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20_v2_.pdf"
    ]
    with urlopen(url) as fetched:
        assert fetched.read() == PDF
        assert fetched.headers["Content-Disposition"].startswith("attachment;")
        assert fetched.headers["Content-Type"] == "application/pdf"


def test_the_document_download_page_redirects_for_anyone_who_may_see_it(bucket, world, s3_endpoint):
    document = make_document(world)
    response = signed_in_client(world.personas["viewer"]).get(
        f"/documents/{document.pk}/versions/1/download/"
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"{s3_endpoint}/{BUCKET}/{world.acme.schema_name}/")
    other = signed_in_client(world.personas["other_company"]).get(
        f"/documents/{document.pk}/versions/1/download/"
    )
    assert other.status_code == 404


def test_the_sweep_lists_the_bucket_and_removes_only_orphans(bucket, owner):
    kept = file_store(upload=SimpleUploadedFile("kept.pdf", PDF), uploaded_by=owner)
    orphan = file_store(upload=SimpleUploadedFile("orphan.pdf", PDF), uploaded_by=owner)
    StoredFile.objects.filter(pk=orphan.pk).delete()  # as if its transaction rolled back

    assert file_orphans_delete(older_than=timezone.now() - timedelta(hours=1)) == 0
    assert file_orphans_delete(older_than=timezone.now() + timedelta(minutes=1)) == 1
    assert keys(bucket) == [kept.key]


def test_deleting_an_agency_purges_only_its_objects(bucket, owner, world):
    mine = file_store(upload=SimpleUploadedFile("mine.pdf", PDF), uploaded_by=owner)
    # Another schema whose name starts with acme's: a prefix, not a folder of acme's.
    other = f"{world.acme.schema_name}2/2026/12/x"
    file_storage().save(other, [PDF])
    answers = agency_files_purge.send(Agency, agency=world.acme)
    assert [count for _receiver, count in answers] == [1]
    assert keys(bucket) == [other]
    assert mine.key not in keys(bucket)


def test_text_is_extracted_from_an_object_in_the_bucket(bucket, world):
    document = make_document(world, upload=pdf_file("q.pdf", pdf_with_text("Quince in S3")))
    with tenant_context(world.acme):
        stored = StoredFile.objects.get(pk=document.current_version.file_id)
        assert version_text(stored) == ("Quince in S3", ExtractionState.DONE)


def test_reading_from_s3_is_forward_only_and_extraction_copies_it(bucket, owner):
    stored = file_store(upload=SimpleUploadedFile("a.txt", b"apricots\n"), uploaded_by=owner)
    assert not file_storage().open(stored.key).seekable()
    assert version_text(stored) == ("apricots", ExtractionState.DONE)


def test_previews_are_drawn_from_and_kept_in_the_bucket(bucket, world):
    document = make_document(world, upload=pdf_file("q.pdf", pdf_with_text("Quince", "Pear")))
    with tenant_context(world.acme):
        stored = StoredFile.objects.get(pk=document.current_version.file_id)
        assert file_preview_make(stored.pk) == PreviewState.READY
        keys = {entry["Key"] for entry in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]}
        assert {page_key(stored.key, 1), page_key(stored.key, 2)} <= keys
    page = signed_in_client(world.personas["approver"]).get(
        f"/documents/{document.pk}/versions/1/preview/2.png"
    )
    # Served through the portal (never a bucket URL), with the download's checks.
    assert page.status_code == 200 and page["Content-Type"] == "image/png"
    assert b"".join(page.streaming_content).startswith(b"\x89PNG")

from django.conf import settings
from django.db import models
from django.utils import timezone


class StoredFile(models.Model):
    """One private object in file storage; features (attachments, document versions) point here.

    The object key is random and tenant-prefixed, never derived from the uploaded name, so
    nothing about a file's location can be guessed; downloads go through the owning feature's
    permission-checked view.
    """

    key = models.CharField(max_length=200, unique=True, editable=False)
    name = models.CharField(max_length=255)  # sanitised; for display and downloads only
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)  # sniffed from the bytes, not the browser's
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class PreviewState(models.TextChoices):
    READY = "ready", "Ready"
    UNSUPPORTED = "unsupported", "No preview for this kind of file"
    FAILED = "failed", "Could not be read"  # damaged, password-protected, too big to draw


class FilePreview(models.Model):
    """What a stored file looks like without downloading it, made once by a task.

    Page images (PDF pages, or the one picture of an image) are PNGs in file storage beside
    the file itself (``page_key``); a text file's opening lives in ``text``. No row yet means
    the task has not run; files never change, so neither does their preview.
    """

    file = models.OneToOneField(
        StoredFile, on_delete=models.CASCADE, primary_key=True, related_name="preview"
    )
    state = models.CharField(max_length=20, choices=PreviewState)
    pages = models.PositiveSmallIntegerField(default=0)  # page images stored
    page_count = models.PositiveIntegerField(default=0)  # pages in the file (PDF)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Preview of {self.file_id}"


PAGE_KEY_SUFFIX = "-preview-page-"


def page_key(file_key: str, number: int) -> str:
    """Where page ``number`` (from 1) of a file's preview is stored; derived from the file's
    own key so the orphan sweep knows whose it is (``preview_owner_key``)."""
    return f"{file_key}{PAGE_KEY_SUFFIX}{number}.png"


def preview_owner_key(key: str) -> str:
    """The key of the file a stored object belongs to: itself, or the file it previews."""
    owner, found, _rest = key.rpartition(PAGE_KEY_SUFFIX)
    return owner if found else key

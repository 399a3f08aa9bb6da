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

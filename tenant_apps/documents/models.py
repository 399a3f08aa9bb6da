from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenant_apps.people.models import ClientCompany


class Folder(models.Model):
    """A folder in a client company's space. Internal folders (and all they hold) are the
    team's alone; a folder inside an internal folder is internal too (actions enforce it)."""

    company = models.ForeignKey(
        ClientCompany,
        on_delete=models.PROTECT,
        related_name="folders",
        db_index=False,  # folder_name_unique_in_parent leads with it
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=120)
    is_internal = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "company",
                "parent",
                models.functions.Lower("name"),
                name="folder_name_unique_in_parent",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return self.name


class DocumentKind(models.TextChoices):
    DOCUMENT = "document", "Document"
    DELIVERABLE = "deliverable", "Deliverable"
    REPORT = "report", "Report"


class Document(models.Model):
    """A named document in a company's space; its bytes are its versions, newest current.

    ``company`` and ``is_internal`` are copied from the folder so visibility filters are one
    indexed condition. ``search_vector`` covers name, description and the current version's
    extracted text (weights A, B, C); it is rebuilt by ``document_search_refresh``.
    """

    company = models.ForeignKey(
        ClientCompany,
        on_delete=models.PROTECT,
        related_name="documents",
        db_index=False,  # document_company_folder leads with it
    )
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=DocumentKind, default=DocumentKind.DOCUMENT)
    is_internal = models.BooleanField(default=False)
    current_version = models.OneToOneField(
        "DocumentVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="document_search_gin"),
            models.Index(
                fields=["company", "folder", "-updated_at"], name="document_company_folder"
            ),
            # Lists and broad searches, newest first, across every company a person sees.
            models.Index(fields=["-updated_at", "-id"], name="document_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                "company",
                "folder",
                models.functions.Lower("name"),
                name="document_name_unique_in_folder",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return self.name


class ExtractionState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    NONE = "none", "No text"  # a type we do not extract from, or a file without text
    FAILED = "failed", "Failed"


class DocumentVersion(models.Model):
    """One immutable upload of a document. Approvals bind to ``file.sha256``."""

    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        related_name="versions",
        db_index=False,  # version_number_unique leads with it
    )
    number = models.PositiveIntegerField()
    file = models.OneToOneField("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    extracted_text = models.TextField(blank=True)
    extraction = models.CharField(
        max_length=10, choices=ExtractionState, default=ExtractionState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]

    def __str__(self):
        return f"{self.document} v{self.number}"

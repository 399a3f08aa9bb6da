"""The codes documents writes to the activity log, with their words and links."""

from enum import nonmember

from django.template.defaultfilters import filesizeformat

from tenant_apps.activity.events import HIDDEN, AuditEvent, Field, Item, link_items
from tenant_apps.documents.models import DocumentKind


class DocumentAudit(AuditEvent):
    DOCUMENTS_FOLDER_CREATED = (
        "documents.folder_created",
        "Folder created",
        "{actor} created the folder {object}",
    )
    DOCUMENTS_UPLOADED = (
        "documents.uploaded",
        "Document uploaded",
        "{actor} uploaded {object} to {folder}",
        "{actor} uploaded {object}",
    )
    DOCUMENTS_VERSION_ADDED = (
        "documents.version_added",
        "New version",
        "{actor} uploaded version {version} of {object}",
        "{actor} uploaded a new version of {object}",
    )
    DOCUMENTS_UPDATED = (
        "documents.updated",
        "Document details changed",
        "{actor} changed the details of {object}",
    )

    fields = nonmember(
        {
            "version": Field("Version"),
            "size": Field("Size", filesizeformat),
            "folder": Field("Folder"),
            "name": Field("Name"),
            "description": Field("Description"),
            "kind": Field("Kind", DocumentKind),
            "internal": Field("Internal", clients=False),
            "company": HIDDEN,  # an id; the entry names its client anyway
            "sha256": HIDDEN,
        }
    )


link_items(
    Item(
        "documents.document",
        "documents:document",
        "tenant_apps.documents.selectors.visible_documents",
    ),
    Item("documents.folder", "documents:folder", "tenant_apps.documents.selectors.visible_folders"),
)

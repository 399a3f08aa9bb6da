"""The codes documents writes to the activity log, with their words."""

from tenant_apps.activity.events import AuditEvent


class DocumentAudit(AuditEvent):
    DOCUMENTS_FOLDER_CREATED = (
        "documents.folder_created",
        "Folder created",
        "Created the folder {object}",
    )
    DOCUMENTS_UPLOADED = "documents.uploaded", "Document uploaded", "Uploaded {object}"
    DOCUMENTS_VERSION_ADDED = (
        "documents.version_added",
        "New version",
        "Uploaded a new version of {object}",
    )
    DOCUMENTS_UPDATED = (
        "documents.updated",
        "Document details changed",
        "Changed the details of {object}",
    )

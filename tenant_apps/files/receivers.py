"""The platform deletes an agency: its stored files go first (its schema is dropped after)."""

from tenant_apps.files.storage import file_storage


def on_agency_files_purge(sender, *, agency, **kwargs) -> int:
    # Every object key starts with the schema's name (files.actions), so this is all of them.
    return file_storage().delete_all(agency.schema_name)

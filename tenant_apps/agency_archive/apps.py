from django.apps import AppConfig


class AgencyArchiveConfig(AppConfig):
    name = "tenant_apps.agency_archive"
    label = "agency_archive"
    verbose_name = "the agency's full export"

    def ready(self):
        from shared_apps.backups.files import agency_files_register
        from tenant_apps.agency_archive.stored_files import StoredFiles

        agency_files_register(StoredFiles())

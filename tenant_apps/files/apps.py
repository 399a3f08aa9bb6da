from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "tenant_apps.files"
    label = "files"

    def ready(self):
        from operators.signals import agency_files_purge
        from tenant_apps.files import receivers

        agency_files_purge.connect(receivers.on_agency_files_purge, dispatch_uid="files-purge")

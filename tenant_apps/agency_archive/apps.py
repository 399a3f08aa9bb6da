from django.apps import AppConfig


class AgencyArchiveConfig(AppConfig):
    name = "tenant_apps.agency_archive"
    label = "agency_archive"
    verbose_name = "the agency's full export"

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tenant_apps.people"
    label = "people"

    def ready(self):
        from tenant_apps.people import receivers  # noqa: F401

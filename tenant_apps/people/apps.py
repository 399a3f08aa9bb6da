from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tenant_apps.people"
    label = "people"

from django.apps import AppConfig


class ErasureConfig(AppConfig):
    name = "tenant_apps.erasure"
    label = "erasure"
    verbose_name = "erasing a person"

    def ready(self):
        from tenant_apps.erasure import receivers  # noqa: F401

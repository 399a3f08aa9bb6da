from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "tenant_apps.invoices"
    label = "invoices"
    verbose_name = "Invoices"

import logging

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        # The stripe library logs every request at INFO, customer ids included.
        logging.getLogger("stripe").setLevel(logging.WARNING)

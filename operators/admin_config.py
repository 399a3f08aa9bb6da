from django.contrib.admin.apps import AdminConfig


class OperatorAdminConfig(AdminConfig):
    """Django's admin app on operators.admin_site (models are not ready when this loads)."""

    default_site = "operators.admin_site.OperatorAdminSite"

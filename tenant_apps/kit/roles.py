"""Team and client roles: the policy's vocabulary, stored on people's memberships."""

from django.db import models


class TeamRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    STAFF = "staff", "Staff"


class ClientRole(models.TextChoices):
    ADMIN = "client_admin", "Client admin"
    APPROVER = "approver", "Approver"
    FINANCE = "finance", "Finance"
    VIEWER = "viewer", "Viewer"

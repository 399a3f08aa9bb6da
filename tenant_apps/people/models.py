from django.conf import settings
from django.db import models


class TeamRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    STAFF = "staff", "Staff"


class TeamMember(models.Model):
    """A user who works for the agency (as opposed to one of its clients)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_member"
    )
    role = models.CharField(max_length=16, choices=TeamRole.choices)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

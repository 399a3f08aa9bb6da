from django.core.validators import RegexValidator
from django.db import models

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1f6feb.")


class Brand(models.Model):
    """How an agency's portal looks; read through the per-tenant cache in selectors."""

    agency = models.OneToOneField("tenants.Agency", on_delete=models.CASCADE, related_name="brand")
    portal_name = models.CharField(max_length=80)
    primary_colour = models.CharField(max_length=7, default="#1f6feb", validators=[hex_colour])
    accent_colour = models.CharField(max_length=7, default="#0e9f6e", validators=[hex_colour])

    def __str__(self):
        return self.portal_name

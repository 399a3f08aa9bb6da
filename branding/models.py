from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1f6feb.")
# Words shown in headings and the nav: letters, spaces and hyphens, like "customer" or "work order".
word = RegexValidator(
    r"^[^\W\d_]+(?:[ -][^\W\d_]+)*$", "Use letters, with single spaces or hyphens between words."
)


class Brand(models.Model):
    """How an agency's portal looks and speaks; read through the per-tenant cache in selectors.

    Blank optional texts fall back to wording built from the portal name (see BrandView).
    """

    agency = models.OneToOneField("tenants.Agency", on_delete=models.CASCADE, related_name="brand")
    portal_name = models.CharField(max_length=80)
    primary_colour = models.CharField(max_length=7, default="#1f6feb", validators=[hex_colour])
    accent_colour = models.CharField(max_length=7, default="#0e9f6e", validators=[hex_colour])
    login_headline = models.CharField(max_length=120, blank=True)
    welcome_text = models.TextField(blank=True, validators=[MaxLengthValidator(600)])
    email_sender_name = models.CharField(max_length=80, blank=True)
    email_reply_to = models.EmailField(blank=True)
    client_word = models.CharField(max_length=30, default="client", validators=[word])
    clients_word = models.CharField(max_length=30, default="clients", validators=[word])
    request_word = models.CharField(max_length=30, default="request", validators=[word])
    requests_word = models.CharField(max_length=30, default="requests", validators=[word])
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.portal_name


class ImageKind(models.TextChoices):
    LOGO = "logo", "Logo"
    FAVICON = "favicon", "Favicon"


class BrandImage(models.Model):
    """A logo or favicon, re-encoded as PNG by branding.images and served by a view.

    The bytes live here, never under a static or media URL; the digest names the version so
    the view can let browsers cache it for good.
    """

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="images")
    kind = models.CharField(max_length=10, choices=ImageKind.choices)
    data = models.BinaryField()
    digest = models.CharField(max_length=64)  # sha256 of data, hex
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "kind"], name="brand_image_one_per_kind")
        ]

    def __str__(self):
        return f"{self.brand} {self.kind}"

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenant_apps.kit.roles import ClientRole, TeamRole


class ClientCompany(models.Model):
    """A company the agency works for; its people see only its own items."""

    name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "client companies"
        constraints = [models.UniqueConstraint("name", name="client_company_name_unique")]

    def __str__(self):
        return self.name

    @property
    def company_id(self) -> int:
        """Its own id: everything that belongs to a company has ``company_id``, so the policy
        and the activity log ask a company and its items the same question."""
        return self.pk


class TeamMember(models.Model):
    """A user who works for the agency (as opposed to one of its clients)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_member"
    )
    role = models.CharField(max_length=16, choices=TeamRole.choices)
    # Staff with this off see only the client companies they are assigned to.
    sees_all_clients = models.BooleanField(default=True)
    assigned_companies = models.ManyToManyField(
        ClientCompany, blank=True, related_name="assigned_team"
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @property
    def assigned_company_ids(self) -> list[int]:
        # Through .all(), so a prefetch of assigned_companies serves it.
        return [company.pk for company in self.assigned_companies.all()]


class ClientMember(models.Model):
    """A person in a client company, with one role there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_member"
    )
    company = models.ForeignKey(ClientCompany, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(max_length=16, choices=ClientRole.choices)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self):
        return f"{self.user} ({self.company}, {self.get_role_display()})"


def secret_digest(secret: str) -> str:
    """What is stored for an invitation link's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An emailed, single-use invitation to join as team or as a client company's person.

    Only the SHA-256 of the link's secret is stored, so the table cannot be
    used to accept invitations.
    """

    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    team_role = models.CharField(max_length=16, choices=TeamRole.choices, blank=True)
    company = models.ForeignKey(
        ClientCompany, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    client_role = models.CharField(max_length=16, choices=ClientRole.choices, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Unique through Meta.constraints: no _like index, it is never matched by prefix.
    secret_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Set once the email went out, so a retried or duplicated send task mails only once.
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(team_role__gt="", company__isnull=True, client_role="")
                    | models.Q(team_role="", company__isnull=False, client_role__gt="")
                ),
                name="invitation_is_team_xor_client",
            ),
            models.UniqueConstraint(
                fields=["secret_digest"], name="people_invitation_secret_digest_key"
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email}"

    @property
    def is_for_team(self) -> bool:
        return bool(self.team_role)

    @property
    def role_label(self) -> str:
        if self.is_for_team:
            return self.get_team_role_display()
        return f"{self.get_client_role_display()} at {self.company}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

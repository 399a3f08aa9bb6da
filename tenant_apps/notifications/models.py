from django.conf import settings
from django.db import models
from django.utils import timezone

from tenant_apps.notifications.kinds import Channel, LinkAction


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One in-app notification for one person, about one item.

    The item is kept as type, id and label (like the activity log), so a notification
    outlives its item and needs no join to be listed. ``channel`` is the person's email
    preference for the kind when it was made, which decides how (or whether) it is emailed.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notification_recent leads with it
    )
    kind = models.CharField(max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)  # the item's page, a path on the agency's host
    channel = models.CharField(max_length=12, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        "Digest", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(channel=Channel.DIGEST, digest__isnull=True),
                name="notification_digest_due",
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationEmail(models.Model):
    """The immediate email for a notification: the record that keeps a retry from resending."""

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, primary_key=True, related_name="email"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Email for notification {self.notification_id}"


class Digest(models.Model):
    """One person's daily digest email: at most one a day, whatever reruns the task."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # digest_once_a_day leads with it
    )
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_a_day")
        ]

    def __str__(self):
        return f"Digest for {self.recipient_id} on {self.day}"


class NotificationPreference(models.Model):
    """A person's email choice for one kind; without a row, the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        db_index=False,  # notification_preference_once leads with it
    )
    kind = models.CharField(max_length=60)
    channel = models.CharField(max_length=12, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self):
        return f"{self.kind}: {self.channel} for {self.user_id}"


ACTION_LINK_DAYS = 14


class ActionLinkQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ActionLink(models.Model):
    """A single-purpose link in a notification email: one person, one item, one action.

    It opens ``path`` (and the pages under it) for ``user`` without a password, in a session
    limited to that item (see middleware.ActionLinkScopeMiddleware). Only the SHA-256 of its
    secret is stored; the URL also names the agency's schema, so another agency's host
    refuses it outright.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="action_links",
        db_index=False,  # action_link_recent leads with it
    )
    action = models.CharField(max_length=10, choices=LinkAction.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=200)
    path = models.CharField(max_length=500)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    # Unique through Meta.constraints: no _like index, it is never matched by prefix.
    secret_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ActionLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="action_link_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["secret_digest"], name="notifications_actionlink_secret_digest_key"
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_label}"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "valid"

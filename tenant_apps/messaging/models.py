"""Conversations: threads about a client company or one of its items, and their messages."""

from functools import reduce
from operator import or_

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenant_apps.people.models import ClientCompany


class About(models.TextChoices):
    """What a thread is about: the company in general, or one item of it."""

    COMPANY = "company", "General conversation"
    REQUEST = "request", "Request"
    DOCUMENT = "document", "Document"
    APPROVAL = "approval", "Approval"
    INVOICE = "invoice", "Invoice"


# The thread's foreign key for each kind of item (a general thread has none of them).
ITEM_FIELDS = [About.REQUEST, About.DOCUMENT, About.APPROVAL, About.INVOICE]


def _only(field: str | None) -> Q:
    """Every item key empty except ``field``'s."""
    return Q(**{f"{other}__isnull": True for other in ITEM_FIELDS if other != field})


def _about(model: str) -> models.ForeignKey:
    """The key to the item a thread may be about; the thread goes when its item does."""
    return models.ForeignKey(
        model,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="threads",
        db_index=False,  # thread_<item>_once_per_side holds every non-null key
    )


class Thread(models.Model):
    """One conversation. A company has at most one general thread and each item at most one
    thread, per side: the one the client shares, and the team's internal one.

    ``company`` is always set (an item's company for an item's thread), so visibility starts
    from one indexed column. Internal threads are the team's alone.
    """

    company = models.ForeignKey(
        ClientCompany,
        on_delete=models.PROTECT,
        related_name="threads",
        db_index=False,  # thread_company_recent leads with it
    )
    request = _about("client_requests.ClientRequest")
    document = _about("documents.Document")
    approval = _about("approvals.ApprovalRequest")
    invoice = _about("invoices.Invoice")
    is_internal = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = [models.F("last_message_at").desc(nulls_last=True), "-id"]
        indexes = [
            models.Index(fields=["company", "-last_message_at"], name="thread_company_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=reduce(or_, [_only(field) for field in ITEM_FIELDS]),
                name="thread_about_one_item_at_most",
            ),
            models.UniqueConstraint(
                fields=["company", "is_internal"],
                condition=_only(None),
                name="thread_general_once_per_side",
            ),
            *(
                models.UniqueConstraint(
                    fields=[field, "is_internal"],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"thread_{field}_once_per_side",
                )
                for field in ITEM_FIELDS
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def about(self) -> str:
        for field in ITEM_FIELDS:
            if getattr(self, f"{field}_id") is not None:
                return field
        return About.COMPANY

    @property
    def item(self):
        """The company or item the thread is about (select_related it to read it for free)."""
        about = self.about
        return self.company if about == About.COMPANY else getattr(self, about)

    @property
    def title(self) -> str:
        match self.about:
            case About.COMPANY:
                return f"General conversation with {self.company.name}"
            case About.REQUEST:
                return f"Request #{self.request_id}: {self.request.title}"
            case About.INVOICE:
                return f"Invoice {self.invoice.number}"
            case about:
                return f"{About(about).label}: {getattr(self, about)}"


class Source(models.TextChoices):
    WEB = "web", "Portal"
    API = "api", "API"
    EMAIL = "email", "Email reply"


class Message(models.Model):
    thread = models.ForeignKey(
        Thread,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,  # message_thread_order leads with it
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(blank=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    # The Message-ID of an emailed reply, so a webhook delivered twice never posts it twice.
    email_message_id = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["thread", "id"], name="message_thread_order"),
            models.Index(
                fields=["thread", "edited_at"],
                condition=Q(edited_at__isnull=False),
                name="message_thread_edited",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "email_message_id"],
                condition=~Q(email_message_id=""),
                name="message_email_reply_once",
            ),
        ]

    def __str__(self):
        return f"Message {self.pk} in thread {self.thread_id}"


class MessageRevision(models.Model):
    """A message's words as they were before one edit; the message keeps the newest."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(blank=True)
    written_at = models.DateTimeField()  # when these words were posted or last edited
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at", "-id"]

    def __str__(self):
        return f"Revision of message {self.message_id}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.OneToOneField("files.StoredFile", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Attachment {self.file_id} on message {self.message_id}"


class ThreadReadState(models.Model):
    """How far one person has read one thread: messages after ``last_read_message_id`` that
    someone else wrote are unread for them."""

    thread = models.ForeignKey(
        Thread,
        on_delete=models.CASCADE,
        related_name="read_states",
        db_index=False,  # thread_read_state_once leads with it
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_message_id = models.BigIntegerField(default=0)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="thread_read_state_once"),
        ]

    def __str__(self):
        return f"{self.user_id} read thread {self.thread_id} to {self.last_read_message_id}"

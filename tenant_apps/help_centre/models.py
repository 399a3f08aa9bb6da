"""The help centre: collections of articles the team writes in Markdown, who may read them,
and the few events that measure how often an article answers a client before they ask.

Who reads what (see selectors.visible_articles): the team reads everything, drafts included.
A client reads a published article when both its collection and the article let their company
in: "all clients", "chosen clients" (the company is among the chosen), never "team only"; an
article "as its collection" adds no rule of its own. A collection marked public is readable by
anyone on the agency's portal host, for its published articles open to all clients.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from tenant_apps.people.models import ClientCompany


class Visibility(models.TextChoices):
    ALL_CLIENTS = "all_clients", "All clients"
    CHOSEN = "chosen", "Chosen clients"
    TEAM = "team", "Team only"


class ArticleVisibility(models.TextChoices):
    COLLECTION = "collection", "As its collection"
    CHOSEN = "chosen", "Chosen clients"
    TEAM = "team", "Team only"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Collection(models.Model):
    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, db_index=False)  # unique: Meta.constraints
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.ALL_CLIENTS
    )
    companies = models.ManyToManyField(
        ClientCompany, blank=True, related_name="+", through="CollectionCompany"
    )
    # Readable without signing in, on the agency's portal host (its articles open to all
    # clients only).
    is_public = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "title", "id"]
        # Not unique=True, which adds a LIKE index no query needs (tests/test_footprint.py).
        constraints = [models.UniqueConstraint(fields=["slug"], name="help_collection_slug_once")]

    def __str__(self):
        return self.title


class Article(models.Model):
    # Unindexed foreign keys: a help centre holds tens of articles, not thousands.
    collection = models.ForeignKey(
        Collection, on_delete=models.PROTECT, related_name="articles", db_index=False
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, db_index=False)  # unique: Meta.constraints
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown.")
    # The body rendered and sanitised when saved (actions.article_*), so pages never render.
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    visibility = models.CharField(
        max_length=12, choices=ArticleVisibility.choices, default=ArticleVisibility.COLLECTION
    )
    companies = models.ManyToManyField(
        ClientCompany, blank=True, related_name="+", through="ArticleCompany"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    # Title (A), summary (B) and body (C), kept by the actions that change them.
    search = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["collection__position", "title", "id"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="help_article_slug_once")]
        indexes = [GinIndex(fields=["search"], name="help_article_search_gin")]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED


# The chosen clients of a collection and of an article: each pair once, the unique index
# serving lookups by its first column; no index of their own on the foreign keys.


class CollectionCompany(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, db_index=False)
    company = models.ForeignKey(
        ClientCompany, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "company"], name="help_collection_company"
            )
        ]

    def __str__(self):
        return f"{self.collection_id}: {self.company_id}"


class ArticleCompany(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, db_index=False)
    company = models.ForeignKey(
        ClientCompany, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "company"], name="help_article_company")
        ]

    def __str__(self):
        return f"{self.article_id}: {self.company_id}"


class EventKind(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    OPENED = "opened", "Opened"
    ANSWERED = "answered", "Answered"


class HelpEvent(models.Model):
    """One article suggested to, opened by, or marked "this answered my question" by a client
    while writing a request. ``ref`` names that one writing (a random token the suggestions
    carry), so each is counted once however often the suggestions refresh."""

    kind = models.CharField(max_length=10, choices=EventKind.choices)
    ref = models.CharField(max_length=32)
    # The unique constraint leads with the article; people and companies are rarely deleted.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    company = models.ForeignKey(
        ClientCompany, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "ref", "kind"], name="help_event_once_per_writing"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.article_id}"

"""Every write to the help centre: collections and articles (each in a transaction and in the
activity log), and the events that measure deflection.

Suggestions shown and articles opened are measurements, not changes: they are recorded once
per writing (``ref``) and article, and not logged. "This answered my question" is the
client's own statement, so it is logged too.
"""

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tenant_apps.activity.actions import activity_record
from tenant_apps.help_centre.audit import HelpAudit
from tenant_apps.help_centre.models import (
    Article,
    ArticleStatus,
    ArticleVisibility,
    Collection,
    EventKind,
    HelpEvent,
    Visibility,
)
from tenant_apps.help_centre.rendering import markdown_html

COLLECTION_FIELDS = ("title", "slug", "description", "position", "visibility", "is_public")
ARTICLE_FIELDS = ("collection", "title", "slug", "summary", "body", "status", "visibility")


def _free_slug(model, wanted: str, title: str, *, exclude_pk=None) -> str:
    """``wanted`` if free (else a field error), or one made from ``title`` (-2, -3… if taken)."""
    others = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    max_length = model._meta.get_field("slug").max_length
    if wanted:
        slug = slugify(wanted)[:max_length]
        if not slug:
            raise ValidationError({"slug": "Use letters, numbers and hyphens."})
        if others.filter(slug=slug).exists():
            raise ValidationError({"slug": "Another one already has this address."})
        return slug
    base = slugify(title)[: max_length - 4] or "untitled"
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give it a title."})
    return title


def _check_companies(visibility: str, companies) -> None:
    if visibility == Visibility.CHOSEN and not companies:
        raise ValidationError({"companies": "Choose at least one client."})


def _check_public(visibility: str, is_public: bool) -> None:
    if is_public and visibility != Visibility.ALL_CLIENTS:
        raise ValidationError(
            {"is_public": "Only a collection open to all clients can be made public."}
        )


def _refresh_search(article_id: int) -> None:
    Article.objects.filter(pk=article_id).update(
        search=SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )


# --- collections ---------------------------------------------------------------------------


def collection_create(
    *,
    actor,
    title,
    slug="",
    description="",
    position=0,
    visibility=Visibility.ALL_CLIENTS,
    is_public=False,
    companies=(),
    request=None,
) -> Collection:
    title = _clean_title(title)
    companies = list(companies) if visibility == Visibility.CHOSEN else []
    _check_companies(visibility, companies)
    _check_public(visibility, is_public)
    with transaction.atomic():
        collection = Collection.objects.create(
            title=title,
            slug=_free_slug(Collection, slug, title),
            description=description.strip(),
            position=position,
            visibility=visibility,
            is_public=is_public,
        )
        collection.companies.set(companies)
        activity_record(
            action=HelpAudit.COLLECTION_CREATED,
            actor=actor,
            target=collection,
            changes={"visibility": visibility, "is_public": is_public},
            request=request,
        )
        return collection


def collection_update(
    *, collection: Collection, actor, companies=None, request=None, **changes
) -> Collection:
    """Change any of COLLECTION_FIELDS; ``companies`` (None: as they are) the chosen clients."""
    unknown = set(changes) - set(COLLECTION_FIELDS)
    if unknown:
        raise ValueError(f"collections have no {sorted(unknown)} to change")
    with transaction.atomic():
        collection = Collection.objects.select_for_update().get(pk=collection.pk)
        if "title" in changes:
            changes["title"] = _clean_title(changes["title"])
        if "slug" in changes:
            changes["slug"] = _free_slug(
                Collection,
                changes["slug"],
                changes.get("title", collection.title),
                exclude_pk=collection.pk,
            )
        visibility = changes.get("visibility", collection.visibility)
        if companies is None:
            companies = list(collection.companies.all())
        companies = list(companies) if visibility == Visibility.CHOSEN else []
        _check_companies(visibility, companies)
        _check_public(visibility, changes.get("is_public", collection.is_public))
        changed = {k: v for k, v in changes.items() if getattr(collection, k) != v}
        for key, value in changes.items():
            setattr(collection, key, value)
        collection.updated_at = timezone.now()
        collection.save()
        collection.companies.set(companies)
        activity_record(
            action=HelpAudit.COLLECTION_UPDATED,
            actor=actor,
            target=collection,
            changes={k: v for k, v in changed.items() if k != "description"},
            request=request,
        )
        return collection


def collection_remove(*, collection: Collection, actor, request=None) -> None:
    with transaction.atomic():
        collection = Collection.objects.select_for_update().get(pk=collection.pk)
        if collection.articles.exists():
            raise ValidationError(
                {"collection": "Move or remove its articles before removing the collection."}
            )
        activity_record(
            action=HelpAudit.COLLECTION_REMOVED, actor=actor, target=collection, request=request
        )
        collection.delete()


# --- articles ------------------------------------------------------------------------------


def article_create(
    *,
    actor,
    collection: Collection,
    title,
    body,
    slug="",
    summary="",
    status=ArticleStatus.DRAFT,
    visibility=ArticleVisibility.COLLECTION,
    companies=(),
    request=None,
) -> Article:
    title = _clean_title(title)
    companies = list(companies) if visibility == ArticleVisibility.CHOSEN else []
    _check_companies(visibility, companies)
    now = timezone.now()
    with transaction.atomic():
        article = Article.objects.create(
            collection=collection,
            title=title,
            slug=_free_slug(Article, slug, title),
            summary=summary.strip(),
            body=body,
            body_html=markdown_html(body),
            status=status,
            visibility=visibility,
            author=actor,
            created_at=now,
            updated_at=now,
            published_at=now if status == ArticleStatus.PUBLISHED else None,
        )
        article.companies.set(companies)
        _refresh_search(article.pk)
        activity_record(
            action=HelpAudit.ARTICLE_CREATED,
            actor=actor,
            target=article,
            changes={"status": status, "visibility": visibility, "collection": str(collection)},
            request=request,
        )
        return article


def article_update(*, article: Article, actor, companies=None, request=None, **changes) -> Article:
    """Change any of ARTICLE_FIELDS; ``companies`` (None: as they are) the chosen clients.
    Publishing stamps ``published_at`` the first time; back to draft hides it again."""
    unknown = set(changes) - set(ARTICLE_FIELDS)
    if unknown:
        raise ValueError(f"articles have no {sorted(unknown)} to change")
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if "title" in changes:
            changes["title"] = _clean_title(changes["title"])
        if "slug" in changes:
            changes["slug"] = _free_slug(
                Article, changes["slug"], changes.get("title", article.title), exclude_pk=article.pk
            )
        if "summary" in changes:
            changes["summary"] = changes["summary"].strip()
        visibility = changes.get("visibility", article.visibility)
        if companies is None:
            companies = list(article.companies.all())
        companies = list(companies) if visibility == ArticleVisibility.CHOSEN else []
        _check_companies(visibility, companies)
        changed = {k: v for k, v in changes.items() if getattr(article, k) != v}
        for key, value in changes.items():
            setattr(article, key, value)
        if "body" in changes:
            article.body_html = markdown_html(article.body)
        if changes.get("status") == ArticleStatus.PUBLISHED and article.published_at is None:
            article.published_at = timezone.now()
        article.updated_at = timezone.now()
        article.save()
        article.companies.set(companies)
        _refresh_search(article.pk)
        logged = {k: str(v) for k, v in changed.items() if k not in ("body", "summary")}
        if "body" in changed:
            logged["body"] = "changed"
        activity_record(
            action=HelpAudit.ARTICLE_UPDATED,
            actor=actor,
            target=article,
            changes=logged,
            request=request,
        )
        return article


def article_remove(*, article: Article, actor, request=None) -> None:
    with transaction.atomic():
        activity_record(
            action=HelpAudit.ARTICLE_REMOVED, actor=actor, target=article, request=request
        )
        Article.objects.filter(pk=article.pk).delete()


# --- deflection events ---------------------------------------------------------------------


def _event_rows(kind: str, ref: str, articles, actor) -> list[HelpEvent]:
    company_id = actor.client.company_id
    return [
        HelpEvent(kind=kind, ref=ref, article=a, user=actor.user, company_id=company_id)
        for a in articles
    ]


def suggestions_record(*, ref: str, articles, actor) -> None:
    """``articles`` shown to the client ``actor`` (an Actor) while writing ``ref``."""
    if actor.is_client and articles:
        HelpEvent.objects.bulk_create(
            _event_rows(EventKind.SUGGESTED, ref, articles, actor), ignore_conflicts=True
        )


def article_opened(*, ref: str, article: Article, actor) -> None:
    if actor.is_client:
        HelpEvent.objects.bulk_create(
            _event_rows(EventKind.OPENED, ref, [article], actor), ignore_conflicts=True
        )


def article_answered(*, ref: str, article: Article, actor, request=None) -> bool:
    """The client ``actor`` says ``article`` answered what they were about to ask in ``ref``.
    False (nothing written) when already said for this writing."""
    with transaction.atomic():
        _, created = HelpEvent.objects.get_or_create(
            kind=EventKind.ANSWERED,
            ref=ref,
            article=article,
            defaults={"user": actor.user, "company_id": actor.client.company_id},
        )
        if not created:
            return False
        activity_record(
            action=HelpAudit.ARTICLE_ANSWERED, actor=actor.user, target=article, request=request
        )
        return True

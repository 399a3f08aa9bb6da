"""Reads of the help centre: what a person (or an anonymous visitor of the portal host) may
read, search, the suggestions shown while a client writes a request, and the deflection
figures for the team's report."""

import re
import secrets

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from tenant_apps.help_centre.models import (
    Article,
    ArticleCompany,
    ArticleStatus,
    ArticleVisibility,
    Collection,
    CollectionCompany,
    Visibility,
)
from tenant_apps.kit.access import Actor

SUGGESTIONS = 5
SEARCH_TERM = re.compile(r"\w+")
SEARCH_MAX_TERMS = 12
MIN_TERM = 3  # shorter words say little while someone is still typing
REF = re.compile(r"^[0-9a-f]{32}$")


def new_ref() -> str:
    """A token naming one writing of a request, for the deflection events."""
    return secrets.token_hex(16)


def clean_ref(value) -> str | None:
    return value if isinstance(value, str) and REF.match(value) else None


def _collection_lets_in(company_id: int, prefix: str = "") -> Q:
    chosen = CollectionCompany.objects.filter(
        collection_id=OuterRef("collection_id" if prefix else "pk"), company_id=company_id
    )
    return Q(**{f"{prefix}visibility": Visibility.ALL_CLIENTS}) | (
        Q(**{f"{prefix}visibility": Visibility.CHOSEN}) & Q(Exists(chosen))
    )


def visible_collections(actor: Actor) -> QuerySet[Collection]:
    """The team: every collection. A client: those open to their company. Nobody else: none."""
    collections = Collection.objects.all()
    if actor.is_team:
        return collections
    if actor.is_client:
        return collections.filter(_collection_lets_in(actor.client.company_id))
    return collections.none()


def _article_rules(company_id: int) -> Q:
    chosen = ArticleCompany.objects.filter(article_id=OuterRef("pk"), company_id=company_id)
    return (
        Q(status=ArticleStatus.PUBLISHED)
        & _collection_lets_in(company_id, prefix="collection__")
        & (
            Q(visibility=ArticleVisibility.COLLECTION)
            | (Q(visibility=ArticleVisibility.CHOSEN) & Q(Exists(chosen)))
        )
    )


def visible_articles(actor: Actor) -> QuerySet[Article]:
    """The team: every article, drafts too. A client: the published ones both the article and
    its collection open to their company. Nobody else: none. With their collection."""
    articles = Article.objects.select_related("collection").defer("search", "body")
    if actor.is_team:
        return articles
    if actor.is_client:
        return articles.filter(_article_rules(actor.client.company_id))
    return articles.none()


def public_collections() -> QuerySet[Collection]:
    """Collections anyone on the portal host may read (public, hence open to all clients)."""
    return Collection.objects.filter(is_public=True, visibility=Visibility.ALL_CLIENTS)


def public_articles() -> QuerySet[Article]:
    """Published articles of public collections that are open to all clients."""
    return (
        Article.objects.select_related("collection")
        .defer("search", "body")
        .filter(
            status=ArticleStatus.PUBLISHED,
            visibility=ArticleVisibility.COLLECTION,
            collection__is_public=True,
            collection__visibility=Visibility.ALL_CLIENTS,
        )
    )


def readable_articles(actor: Actor) -> QuerySet[Article]:
    """What ``actor`` may read: their own (signed in), or the public ones (anonymous)."""
    return visible_articles(actor) if actor.user is not None else public_articles()


def readable_collections(actor: Actor) -> QuerySet[Collection]:
    return visible_collections(actor) if actor.user is not None else public_collections()


def _terms(text: str) -> list[str]:
    return [t.lower() for t in SEARCH_TERM.findall(text or "")][:SEARCH_MAX_TERMS]


def search_query(text: str, *, any_word: bool = False) -> SearchQuery | None:
    """Every word as a prefix ("pass" finds "password"): all required, or ``any_word``. Only
    letters and digits reach the query, so no syntax can be injected."""
    terms = _terms(text)
    if any_word:
        terms = [t for t in terms if len(t) >= MIN_TERM]
    if not terms:
        return None
    joiner = " | " if any_word else " & "
    raw = joiner.join(f"{term}:*" for term in terms)
    return SearchQuery(raw, config="english", search_type="raw")


def article_search(articles: QuerySet[Article], text: str, *, any_word=False) -> QuerySet:
    """``articles`` matching ``text``, best first (title over summary over body)."""
    query = search_query(text, any_word=any_word)
    if query is None:
        return articles.none()
    return (
        articles.filter(search=query)
        .annotate(rank=SearchRank(F("search"), query))
        .order_by("-rank", "title", "id")
    )


def suggestions(actor: Actor, title: str, details: str) -> list[Article]:
    """Up to SUGGESTIONS articles ``actor`` may read that match any word of what they write."""
    if not actor.is_client:
        return []
    text = f"{title} {details}"
    return list(article_search(visible_articles(actor), text, any_word=True)[:SUGGESTIONS])


def collection_articles(actor: Actor, collection: Collection) -> QuerySet[Article]:
    return readable_articles(actor).filter(collection=collection).order_by("title", "id")


def collections_with_articles(actor: Actor) -> list[Collection]:
    """Readable collections, each with ``shown``: its readable articles (two queries)."""
    articles = readable_articles(actor).order_by("title", "id")
    collections = readable_collections(actor).prefetch_related(
        Prefetch("articles", queryset=articles, to_attr="shown")
    )
    return list(collections)

"""Reads for the document hub, filtered to what the actor may see: other companies' spaces and,
for client people, internal folders and documents do not exist."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Left

from tenant_apps.documents.models import Document, DocumentVersion, Folder
from tenant_apps.kit.access import Actor
from tenant_apps.kit.samples import Sample, sample
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies

SEARCH_MAX_TERMS = 12
SEARCH_TERM = re.compile(r"[^\W_]+")
# Control characters never survive extraction, so they can mark matches in escaped text.
SNIPPET_START, SNIPPET_STOP = "\x02", "\x03"
SNIPPET_SOURCE_CHARS = 20_000


def _visible(actor: Actor, queryset: QuerySet) -> QuerySet:
    ids = actor.visible_company_ids
    if ids is not None:
        queryset = queryset.filter(company_id__in=ids)
    return queryset if actor.is_team else queryset.filter(is_internal=False)


def visible_folders(actor: Actor) -> QuerySet[Folder]:
    return _visible(actor, Folder.objects.all())


def visible_documents(actor: Actor) -> QuerySet[Document]:
    """Documents ``actor`` may see, with what a row shows (current version, its file)."""
    return _visible(
        actor,
        Document.objects.select_related(
            "company", "folder", "current_version__file__uploaded_by"
        ).defer("search_vector", "current_version__extracted_text"),
    )


def recent_documents_for_company(actor: Actor, company: ClientCompany, *, limit: int) -> Sample:
    """``company``'s documents that ``actor`` sees, the latest changed first (one query)."""
    documents = visible_documents(actor).filter(company=company)
    return sample(documents.order_by("-updated_at", "-id"), limit)


def document_spaces(actor: Actor) -> QuerySet[ClientCompany]:
    """The companies whose spaces ``actor`` sees, with how many documents each holds (that the
    actor may see) and when the newest changed."""
    documents = Q() if actor.is_team else Q(documents__is_internal=False)
    return visible_companies(actor).annotate(
        document_count=Count("documents", filter=documents),
        last_updated=Max("documents__updated_at", filter=documents),
    )


def _count_in_folder(queryset: QuerySet, link: str) -> Coalesce:
    # A subquery per count: two joined counts would multiply documents by subfolders.
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


def space_folders(actor: Actor, company: ClientCompany, parent: Folder | None):
    """The folders directly in ``parent`` (or the top of ``company``'s space), each with how
    many documents and folders it holds that the actor may see."""
    folders = visible_folders(actor).filter(company=company, parent=parent)
    return folders.annotate(
        document_count=_count_in_folder(_visible(actor, Document.objects.all()), "folder"),
        folder_count=_count_in_folder(visible_folders(actor), "parent"),
    )


def space_documents(actor: Actor, company: ClientCompany, folder: Folder | None):
    return visible_documents(actor).filter(company=company, folder=folder)


def folder_path(folder: Folder) -> list[Folder]:
    """``folder`` and its ancestors, outermost first, in one query."""
    return list(
        Folder.objects.raw(
            """
            WITH RECURSIVE path AS (
                SELECT f.*, 0 AS depth FROM documents_folder f WHERE f.id = %s
                UNION ALL
                SELECT f.*, path.depth + 1 FROM documents_folder f
                JOIN path ON f.id = path.parent_id
            )
            SELECT * FROM path ORDER BY depth DESC
            """,
            [folder.pk],
        )
    )


def document_versions(document: Document) -> QuerySet[DocumentVersion]:
    """Every version of ``document``, newest first, with its file and uploader."""
    return document.versions.select_related("file__uploaded_by").defer("extracted_text")


def versions_with_approvals(document: Document) -> list[DocumentVersion]:
    """``document_versions``, each with ``shown_approvals``, newest first (two queries, however
    many versions and approvals). Whoever may see a document may see every approval on its
    versions (the policy's approval.view: only invoices' approvals are narrower)."""
    approvals = Prefetch("approvals", to_attr="shown_approvals")
    return list(document_versions(document).prefetch_related(approvals))


def search_query(text: str) -> SearchQuery | None:
    """Every word of ``text`` as a prefix ("contr" finds "contract"), all required; None if
    it holds no word. Only letters and digits reach the query, so no syntax can be injected."""
    terms = SEARCH_TERM.findall(text)[:SEARCH_MAX_TERMS]
    if not terms:
        return None
    raw = " & ".join(f"{term.lower()}:*" for term in terms)
    return SearchQuery(raw, config="english", search_type="raw")


@dataclass(frozen=True)
class SearchResults:
    documents: QuerySet[Document]
    count: int  # exact up to the ranking cap; past it, cap + 1
    by_relevance: bool  # else newest first


def _capped_count(documents: QuerySet[Document], cap: int) -> int:
    """How many of ``documents`` there are, counting no further than ``cap`` + 1."""
    # Left alone, the planner scans the table and stops at the cap, not knowing that testing
    # a row means fetching its vector from TOAST: ten times slower than collecting every
    # match from the GIN index in one pass, which it is told to do here.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        count = documents.values("pk")[: cap + 1].count()
        cursor.execute("RESET enable_seqscan")
    return count


def document_search(
    actor: Actor, text: str, documents: QuerySet[Document] | None = None, *, snippets=False
) -> SearchResults:
    """Visible documents matching ``text`` in name, description or extracted text: best match
    first, or newest first when more than settings.DOCUMENT_SEARCH_RANKED_MAX match.

    Ranking reads every match's vector, so it is kept to result sets a person could mean to
    rank; a word in most documents says little about relevance, and the newest first come
    from an index. One capped count decides, and is the count shown.

    ``snippets``: each with ``snippet``, the best passages of its description and current
    text, matches between SNIPPET_START and SNIPPET_STOP (escape it, then mark those up).
    """
    documents = visible_documents(actor) if documents is None else documents
    query = search_query(text)
    if query is None:
        return SearchResults(documents.none(), 0, by_relevance=True)
    found = documents.filter(search_vector=query)
    cap = settings.DOCUMENT_SEARCH_RANKED_MAX
    count = _capped_count(found, cap)
    if count <= cap:
        found = found.annotate(rank=SearchRank(F("search_vector"), query)).order_by("-rank", "-id")
    else:
        found = found.order_by("-updated_at", "-id")
    if snippets:
        # Only the start of a long text: a headline parses all it is given, for every row.
        text = Coalesce("current_version__extracted_text", Value(""), output_field=TextField())
        passage = Left(
            Concat("description", Value("\n"), text, output_field=TextField()),
            SNIPPET_SOURCE_CHARS,
        )
        found = found.annotate(
            snippet=SearchHeadline(
                passage,
                query,
                config="english",
                start_sel=SNIPPET_START,
                stop_sel=SNIPPET_STOP,
                max_fragments=2,
                max_words=20,
                min_words=8,
            )
        )
    return SearchResults(found, count, by_relevance=count <= cap)

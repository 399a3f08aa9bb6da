"""The codes the help centre writes to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field, Item, link_items
from tenant_apps.help_centre.models import ArticleStatus, ArticleVisibility, Visibility

VISIBILITIES = ArticleVisibility.choices


class HelpAudit(AuditEvent):
    COLLECTION_CREATED = (
        "help.collection_created",
        "Help collection created",
        "{actor} created the help collection {object}",
    )
    COLLECTION_UPDATED = (
        "help.collection_updated",
        "Help collection changed",
        "{actor} changed the help collection {object}",
    )
    COLLECTION_REMOVED = (
        "help.collection_removed",
        "Help collection removed",
        "{actor} removed the help collection {object}",
    )
    ARTICLE_CREATED = (
        "help.article_created",
        "Help article written",
        "{actor} wrote the help article {object}",
    )
    ARTICLE_UPDATED = (
        "help.article_updated",
        "Help article changed",
        "{actor} changed the help article {object}",
    )
    ARTICLE_REMOVED = (
        "help.article_removed",
        "Help article removed",
        "{actor} removed the help article {object}",
    )
    ARTICLE_ANSWERED = (
        "help.article_answered",
        "Answered by a help article",
        "{actor} found the answer in the help article {object}",
    )

    fields = nonmember(
        {
            "title": Field("Title"),
            "slug": Field("Address"),
            "status": Field("Status", ArticleStatus),
            "visibility": Field(
                "Visible to", {**dict(Visibility.choices), **dict(ArticleVisibility.choices)}
            ),
            "is_public": Field("Public", {True: "yes", False: "no"}),
            "collection": Field("Collection"),
        }
    )


link_items(
    Item(
        "help_centre.article",
        "help_centre:article_by_id",
        "tenant_apps.help_centre.selectors.visible_articles",
    ),
)

"""Matrix entries for the help centre (see tests/access_matrix.py), and the help centre's
test helpers. Reading: everyone signed in here (what they read depends on their company);
articles: the team writes; collections: owners and admins. A page a visitor may not read
sends them to sign in; a signed-in person who may not read it gets a 404."""

from django_tenants.utils import tenant_context

from tenant_apps.help_centre.actions import article_create, collection_create
from tenant_apps.help_centre.models import Article, Collection
from tests.access_matrix import SIGNED_IN_HERE, TEAM, api, signed_in
from tests.routes_people import OWNER_ADMIN, hiding

NORTHWIND = ["client_admin", "approver", "finance", "viewer"]


def make_collection(world, *, title="Billing", companies=(), **fields) -> Collection:
    with tenant_context(world.acme):
        visibility = fields.pop("visibility", "chosen" if companies else "all_clients")
        return collection_create(
            actor=world.personas["owner"].user,
            title=title,
            visibility=visibility,
            companies=list(companies),
            **fields,
        )


def make_article(world, collection=None, *, title="Change the logo on invoices", **fields):
    with tenant_context(world.acme):
        collection = collection or make_collection(world)
        return article_create(
            actor=world.personas["staff"].user,
            collection=collection,
            title=title,
            body=fields.pop("body", "Open **Branding**, upload the new logo, then save."),
            status=fields.pop("status", "published"),
            **fields,
        )


def northwind_collection(world) -> tuple:
    return (make_collection(world, companies=[world.northwind]).slug,)


def empty_collection(world) -> tuple:
    return (make_collection(world, title="Empty one").slug,)


def northwind_article(world) -> tuple:
    collection = make_collection(world, companies=[world.northwind])
    return (make_article(world, collection).slug,)


def northwind_collection_id(world) -> tuple:
    with tenant_context(world.acme):
        return (Collection.objects.get(slug=northwind_collection(world)[0]).pk,)


def northwind_article_id(world) -> tuple:
    with tenant_context(world.acme):
        return (Article.objects.get(slug=northwind_article(world)[0]).pk,)


TENANT_ROUTES = {
    "help_centre:index": signed_in(200, 200, SIGNED_IN_HERE),
    "help_centre:suggest": signed_in(200, 200, SIGNED_IN_HERE, data={"title": "logo"}),
    "help_centre:article_create": signed_in(200, 403, TEAM),
    "help_centre:collection_create": signed_in(200, 403, OWNER_ADMIN),
    "help_centre:collection": hiding(
        signed_in(200, 200, SIGNED_IN_HERE, args=northwind_collection), "other_company"
    ),
    "help_centre:collection_edit": signed_in(200, 403, OWNER_ADMIN, args=northwind_collection),
    "help_centre:collection_remove": signed_in(
        302, 403, OWNER_ADMIN, method="post", args=empty_collection
    ),
    "help_centre:article": hiding(
        signed_in(200, 200, SIGNED_IN_HERE, args=northwind_article), "other_company"
    ),
    # Posted without the writing's token: a form error for Northwind's people; the team never
    # answers, and Southwind never sees the article.
    # The activity log's link, by id: to the article's page.
    "help_centre:article_by_id": hiding(
        signed_in(302, 302, SIGNED_IN_HERE, args=northwind_article_id), "other_company"
    ),
    "help_centre:answered": hiding(
        signed_in(400, 403, NORTHWIND, method="post", args=northwind_article), "other_company"
    ),
    "help_centre:article_edit": signed_in(200, 403, TEAM, args=northwind_article),
    "help_centre:article_remove": signed_in(302, 403, TEAM, method="post", args=northwind_article),
    "api-help-collections": api(200, 200, SIGNED_IN_HERE),
    "api-help-collection": hiding(
        api(200, 200, SIGNED_IN_HERE, args=northwind_collection_id), "other_company"
    ),
    "api-help-articles": api(200, 200, SIGNED_IN_HERE),
    "api-help-article": hiding(
        api(200, 200, SIGNED_IN_HERE, args=northwind_article_id), "other_company"
    ),
    "api-help-search": api(200, 200, SIGNED_IN_HERE, data={"q": "logo"}),
}
PUBLIC_ROUTES: dict = {}

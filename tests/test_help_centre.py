"""The help centre: safe Markdown, who reads what (companies, the team, another agency,
anonymous visitors of a public collection), search, suggestions and deflection, the API."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.help_centre.actions import article_update
from tenant_apps.help_centre.models import EventKind, HelpEvent
from tenant_apps.help_centre.rendering import markdown_html, sanitise
from tests.conftest import host_client, signed_in_client
from tests.routes_help_centre import make_article, make_collection
from tests.routes_requests import submit_request
from tests.test_isolation import obtain_tokens

ACME = "acme.localhost"
GLOBEX = "globex.localhost"


def client_of(world, persona, host=None):
    return signed_in_client(world.personas[persona], host=host)


def api_headers(world, persona) -> dict:
    access = obtain_tokens(world.personas[persona].host, world.personas[persona].user.email)
    return {"HTTP_AUTHORIZATION": f"Bearer {access['access']}"}


# --- the sanitiser --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dirty",
    [
        '<p>Hi<script>alert("x")</script></p>',
        '<img src="logo.png" onerror="alert(1)">',
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        '<p onclick="alert(1)" style="color:red">text</p>',
        '<iframe src="https://evil.example"></iframe><object data="x"></object>',
    ],
)
def test_the_sanitiser_strips_scripts_handlers_and_javascript_urls(dirty):
    clean = sanitise(dirty).lower()
    for danger in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<object", "style="):
        assert danger not in clean


def test_markdown_escapes_raw_html_and_drops_javascript_links():
    html = markdown_html(
        "# Title\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) "
        '<img src=x onerror="alert(1)">\n\n[good](https://example.com) **bold**'
    )
    assert "<script" not in html and 'href="javascript' not in html
    assert "<img" not in html  # raw HTML is text, escaped
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">good</a>' in html
    assert "<strong>bold</strong>" in html
    assert "<h2>Title</h2>" in html  # the page's h1 is the article's title


def test_an_article_page_shows_the_sanitised_body(world):
    article = make_article(
        world, body="Hello <script>alert(1)</script> [x](javascript:alert(2))\n\n*fine*"
    )
    page = client_of(world, "client_admin").get(f"/help/a/{article.slug}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<em>fine</em>" in body
    assert "<script>alert" not in body and "&lt;script&gt;alert(1)" in body
    assert 'href="javascript' not in body.lower()


# --- who reads what -----------------------------------------------------------------------


def seed_visibility(world) -> dict:
    everyone = make_collection(world, title="Getting started")
    northwind_only = make_collection(world, title="Northwind guides", companies=[world.northwind])
    team_only = make_collection(world, title="Team playbook", visibility="team")
    return {
        "open": make_article(world, everyone, title="Resetting your password zebra"),
        "draft": make_article(world, everyone, title="Draft zebra notes", status="draft"),
        "northwind": make_article(world, northwind_only, title="Northwind zebra rollout"),
        "team_collection": make_article(world, team_only, title="Escalating zebra tickets"),
        "team_article": make_article(
            world, everyone, title="Internal zebra pricing", visibility="team"
        ),
        "chosen_southwind": make_article(
            world,
            everyone,
            title="Southwind zebra invoices",
            visibility="chosen",
            companies=[world.southwind],
        ),
    }


def titles_found(client, **headers) -> set[str]:
    response = client.get("/api/v1/help/search", {"q": "zebra"}, **headers)
    assert response.status_code == 200, response.content
    return {row["title"] for row in response.json()["results"]}


def test_each_company_reads_and_finds_only_what_it_may(world):
    articles = seed_visibility(world)
    northwind = titles_found(host_client(ACME), **api_headers(world, "viewer"))
    southwind = titles_found(host_client(ACME), **api_headers(world, "other_company"))
    team = titles_found(host_client(ACME), **api_headers(world, "staff"))
    assert northwind == {"Resetting your password zebra", "Northwind zebra rollout"}
    assert southwind == {"Resetting your password zebra", "Southwind zebra invoices"}
    assert team == {article.title for article in articles.values()}

    viewer, other = client_of(world, "viewer"), client_of(world, "other_company")
    for key in ("draft", "team_collection", "team_article", "chosen_southwind"):
        assert viewer.get(f"/help/a/{articles[key].slug}/").status_code == 404, key
    assert other.get(f"/help/a/{articles['northwind'].slug}/").status_code == 404
    assert other.get(f"/help/c/{articles['northwind'].collection.slug}/").status_code == 404
    assert viewer.get(f"/help/a/{articles['northwind'].slug}/").status_code == 200
    # The page search agrees with the API's.
    page = viewer.get("/help/", {"q": "zebra"}).content.decode()
    assert "Northwind zebra rollout" in page and "Internal zebra pricing" not in page
    assert "Southwind zebra invoices" not in page and "Draft zebra notes" not in page
    # The index lists collections the viewer may read, with their readable articles.
    index = viewer.get("/help/").content.decode()
    assert "Northwind guides" in index and "Team playbook" not in index
    listed = host_client(ACME).get("/api/v1/help/articles", **api_headers(world, "other_company"))
    assert {row["title"] for row in listed.json()["results"]} == southwind
    assert all(
        row["status"] is None and row["companies"] is None for row in listed.json()["results"]
    )


def test_another_agency_never_reads_this_agencys_articles(world):
    article = make_article(world, title="Acme only zebra")
    globex_owner = client_of(world, "outsider")  # on their own host
    assert globex_owner.get(f"/help/a/{article.slug}/").status_code == 404
    assert titles_found(host_client(GLOBEX), **api_headers(world, "outsider")) == set()
    # Their session means nothing on acme's host: sent to sign in.
    assert (
        client_of(world, "outsider", host=ACME).get(f"/help/a/{article.slug}/").status_code == 302
    )


def test_a_public_collection_is_read_anonymously_on_its_agencys_host_only(world):
    public = make_collection(world, title="Public FAQ", is_public=True)
    article = make_article(world, public, title="Opening hours")
    draft = make_article(world, public, title="Holiday hours", status="draft")
    team = make_article(world, public, title="Team hours", visibility="team")
    private = make_article(world, title="Private hours")
    anonymous = host_client(ACME)
    page = anonymous.get(f"/help/a/{article.slug}/")
    assert page.status_code == 200
    assert "Opening hours" in page.content.decode() and "Sign in" in page.content.decode()
    index = anonymous.get("/help/").content.decode()
    assert "Public FAQ" in index and "Opening hours" in index and "Holiday hours" not in index
    assert anonymous.get(f"/help/c/{public.slug}/").status_code == 200
    for hidden in (draft, team, private):
        assert anonymous.get(f"/help/a/{hidden.slug}/").status_code == 302, hidden.title
    found = anonymous.get("/help/", {"q": "hours"}).content.decode()
    assert "Opening hours" in found and "Private hours" not in found and "Team hours" not in found
    # Another agency's host has no such article: sign in there, nothing shown.
    elsewhere = host_client(GLOBEX).get(f"/help/a/{article.slug}/")
    assert elsewhere.status_code == 302 and "Opening hours" not in elsewhere.content.decode()
    assert host_client(GLOBEX).get("/help/").status_code == 302


def test_making_a_collection_public_needs_it_open_to_all_clients(world):
    response = host_client(ACME).post(
        "/api/v1/help/collections",
        {"title": "Secret", "visibility": "chosen", "companies": [world.northwind.pk],
         "is_public": True},
        content_type="application/json",
        **api_headers(world, "owner"),
    )  # fmt: skip
    assert response.status_code == 400
    assert "is_public" in response.json()


# --- search ranking -------------------------------------------------------------------------


def test_search_ranks_a_title_match_above_a_body_match(world):
    collection = make_collection(world)
    make_article(world, collection, title="Exporting reports", body="Quarterly invoices too.")
    make_article(world, collection, title="Invoices explained", body="What each line means.")
    make_article(world, collection, title="Unrelated", body="Nothing about it.")
    results = host_client(ACME).get(
        "/api/v1/help/search", {"q": "invoice"}, **api_headers(world, "client_admin")
    )
    assert [row["title"] for row in results.json()["results"]] == [
        "Invoices explained",
        "Exporting reports",
    ]
    # Every word is required; prefixes match ("expl" finds "explained").
    results = host_client(ACME).get(
        "/api/v1/help/search", {"q": "invoices expl"}, **api_headers(world, "client_admin")
    )
    assert [row["title"] for row in results.json()["results"]] == ["Invoices explained"]


def test_an_edited_article_is_found_by_its_new_words(world):
    article = make_article(world, title="Old title")
    with tenant_context(world.acme):
        article_update(article=article, actor=world.personas["owner"].user, title="Kangaroo")
    headers = api_headers(world, "client_admin")
    found = host_client(ACME).get("/api/v1/help/search", {"q": "kangaroo"}, **headers).json()
    assert [row["title"] for row in found["results"]] == ["Kangaroo"]


# --- query counts ---------------------------------------------------------------------------


def test_the_article_lists_cost_the_same_queries_for_3_or_15_articles(world):
    collection = make_collection(world, companies=[world.northwind])
    other = make_collection(world, title="Other")
    client, headers = host_client(ACME), api_headers(world, "client_admin")
    page_client = client_of(world, "client_admin")

    def run():
        with CaptureQueriesContext(connection) as api_queries:
            api = client.get("/api/v1/help/articles", **headers)
        with CaptureQueriesContext(connection) as page_queries:
            page = page_client.get("/help/")
        assert api.status_code == page.status_code == 200
        return len(api_queries), len(page_queries), len(api.json()["results"])

    for n in range(3):
        make_article(world, collection, title=f"First {n}", visibility="chosen",
                     companies=[world.northwind])  # fmt: skip
    few = run()
    for n in range(12):
        make_article(world, other if n % 2 else collection, title=f"More {n}")
    many = run()
    assert (few[2], many[2]) == (3, 15)
    assert few[:2] == many[:2]


# --- suggestions and deflection --------------------------------------------------------------


def test_suggestions_while_writing_and_the_deflection_report(world):
    collection = make_collection(world)
    for n in range(7):
        make_article(world, collection, title=f"Invoice question {n}")
    hidden = make_article(world, title="Invoice internals", visibility="team")
    southwind = make_article(
        world, title="Invoice for Southwind", visibility="chosen", companies=[world.southwind]
    )
    client = client_of(world, "client_admin")
    form = client.get("/requests/new/").content.decode()
    assert 'hx-get="/help/suggest/"' in form

    first = client.get(
        "/help/suggest/", {"title": "invoice", "details": ""}, HTTP_HX_REQUEST="true"
    )
    body = first.content.decode()
    ref = re.search(r'name="help_ref" value="([0-9a-f]{32})"', body).group(1)
    links = re.findall(r'href="/help/a/([^/]+)/\?ref=' + ref, body)
    assert len(links) == 5 and not {hidden.slug, southwind.slug} & set(links)
    # Typing on refreshes the same writing: counted once per article.
    client.get("/help/suggest/", {"title": "invoice q", "help_ref": ref})
    with tenant_context(world.acme):
        assert HelpEvent.objects.filter(ref=ref, kind=EventKind.SUGGESTED).count() == 5

    assert client.get(f"/help/a/{links[0]}/", {"ref": ref}).status_code == 200
    answered = client.post(f"/help/a/{links[0]}/answered/", {"ref": ref}, HTTP_HX_REQUEST="true")
    assert answered.status_code == 200 and "glad it helped" in answered.content.decode()

    # That was two days ago: the request sent below is not from that writing.
    with tenant_context(world.acme):
        HelpEvent.objects.filter(ref=ref).update(created_at=timezone.now() - timedelta(days=2))
    # A second writing: answered, but the request was sent anyway.
    other = client.get("/help/suggest/", {"title": "invoice"}).content.decode()
    ref2 = re.search(r'name="help_ref" value="([0-9a-f]{32})"', other).group(1)
    client.post(f"/help/a/{links[1]}/answered/", {"ref": ref2})
    submit_request(world, by="client_admin", title="Invoice question anyway")
    # A third: suggestions only. And the team is never suggested anything.
    client.get("/help/suggest/", {"title": "invoice"})
    team = client_of(world, "owner").get("/help/suggest/", {"title": "invoice"})
    assert "/help/a/" not in team.content.decode()

    owner = client_of(world, "owner")
    report = owner.get("/api/v1/reports/deflection", **api_headers(world, "owner")).json()
    total = report["tables"]["by_week"]["rows"][-1]
    assert (total["writings"], total["opened"], total["answered"]) == (3, 1, 2)
    assert (total["asked_anyway"], total["deflected"], total["deflection_percent"]) == (1, 1, 33.3)
    csv = owner.get("/reports/deflection/by_client.csv")
    assert csv.status_code == 200 and "Northwind,3,1,2,1,1,33.3" in csv.content.decode()
    assert owner.get("/reports/deflection/").status_code == 200
    assert client_of(world, "staff").get("/reports/deflection/").status_code == 403
    # Southwind's client admin is suggested Southwind's article.
    theirs = client_of(world, "other_company").get("/help/suggest/", {"title": "southwind invoice"})
    assert f"/help/a/{southwind.slug}/?ref=" in theirs.content.decode()


def test_answered_needs_the_writings_token_and_counts_once(world):
    article = make_article(world)
    client = client_of(world, "client_admin")
    assert client.post(f"/help/a/{article.slug}/answered/", {"ref": "nope"}).status_code == 400
    ref = "a" * 32
    for _ in range(2):
        assert client.post(f"/help/a/{article.slug}/answered/", {"ref": ref}).status_code == 302
    with tenant_context(world.acme):
        assert HelpEvent.objects.filter(kind=EventKind.ANSWERED).count() == 1


# --- the API --------------------------------------------------------------------------------


def test_the_team_writes_over_the_api_with_field_errors(world):
    headers = api_headers(world, "staff")
    client = host_client(ACME)
    collection = make_collection(world)
    bad = client.post("/api/v1/help/articles", {"collection": collection.pk, "body": ""},
                      content_type="application/json", **headers)  # fmt: skip
    assert bad.status_code == 400 and {"title", "body"} <= set(bad.json())
    chosen = client.post(
        "/api/v1/help/articles",
        {"collection": collection.pk, "title": "T", "body": "B", "visibility": "chosen"},
        content_type="application/json",
        **headers,
    )
    assert chosen.status_code == 400 and "companies" in chosen.json()
    made = client.post(
        "/api/v1/help/articles",
        {"collection": collection.pk, "title": "How to pay", "body": "Use the **Pay** button.",
         "status": "published"},
        content_type="application/json",
        **headers,
    )  # fmt: skip
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["slug"] == "how-to-pay" and "<strong>Pay</strong>" in data["body_html"]
    duplicate = client.post(
        "/api/v1/help/articles",
        {"collection": collection.pk, "title": "Again", "slug": "how-to-pay", "body": "x"},
        content_type="application/json",
        **headers,
    )
    assert duplicate.status_code == 400 and "slug" in duplicate.json()
    patched = client.patch(f"/api/v1/help/articles/{data['id']}", {"status": "draft"},
                           content_type="application/json", **headers)  # fmt: skip
    assert patched.status_code == 200 and patched.json()["status"] == "draft"
    reader = api_headers(world, "client_admin")
    assert client.get(f"/api/v1/help/articles/{data['id']}", **reader).status_code == 404
    # Staff write articles but not collections; clients write neither.
    staff_collection = client.post("/api/v1/help/collections", {"title": "X"},
                                   content_type="application/json", **headers)  # fmt: skip
    assert staff_collection.status_code == 403
    client_article = client.post(
        "/api/v1/help/articles",
        {"collection": collection.pk, "title": "T", "body": "B"},
        content_type="application/json",
        **reader,
    )
    assert client_article.status_code == 403
    removed = client.delete(f"/api/v1/help/articles/{data['id']}", **headers)
    assert removed.status_code == 204


def test_the_schema_documents_the_help_centre(world):
    schema = host_client(ACME).get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/help/collections",
        "/api/v1/help/articles",
        "/api/v1/help/search",
        "/api/v1/help/articles/{article_id}",
        "/api/v1/help/collections/{collection_id}",
    ):
        assert path in schema["paths"], path  # fmt: skip


def test_a_page_form_error_is_a_400_and_writes_nothing(world):
    client = client_of(world, "owner")
    response = client.post("/help/collections/new/", {"title": "", "position": "0",
                                                      "visibility": "chosen"})  # fmt: skip
    assert response.status_code == 400
    response = client.post(
        "/help/collections/new/",
        {"title": "Only some", "position": "0", "visibility": "chosen"},
    )
    assert response.status_code == 400 and "Choose at least one client" in response.content.decode()
    from tenant_apps.help_centre.models import Collection

    with tenant_context(world.acme):
        assert not Collection.objects.exists()


def test_the_team_edits_an_article_on_its_page(world):
    article = make_article(world, title="Paying by card", body="Use **Pay**.")
    staff = client_of(world, "staff")  # limited to Northwind
    form = staff.get(f"/help/a/{article.slug}/edit/")
    assert form.status_code == 200 and "Use **Pay**." in form.content.decode()
    data = {
        "collection": article.collection_id,
        "title": "Paying by card or transfer",
        "slug": article.slug,
        "summary": "",
        "body": "Use **Pay**, or a _bank transfer_.",
        "status": "published",
        "visibility": "chosen",
        "companies": [world.southwind.pk],  # not a client this staff member sees
    }
    refused = staff.post(f"/help/a/{article.slug}/edit/", data)
    assert refused.status_code == 400
    saved = staff.post(f"/help/a/{article.slug}/edit/", data | {"companies": [world.northwind.pk]})
    assert saved.status_code == 302
    page = client_of(world, "viewer").get(f"/help/a/{article.slug}/").content.decode()
    assert "<em>bank transfer</em>" in page and "Paying by card or transfer" in page
    assert client_of(world, "other_company").get(f"/help/a/{article.slug}/").status_code == 404
    found = titles_found(host_client(ACME), **api_headers(world, "viewer"))
    assert found == set()  # "zebra" is in no title
    headers = api_headers(world, "viewer")
    hits = host_client(ACME).get("/api/v1/help/search", {"q": "transfer"}, **headers).json()
    assert [row["title"] for row in hits["results"]] == ["Paying by card or transfer"]


def test_the_log_says_it_in_words_and_links_the_article(world):
    article = make_article(world, title="Exporting your data")
    client = client_of(world, "client_admin")
    client.post(f"/help/a/{article.slug}/answered/", {"ref": "b" * 32})
    mine = client.get("/activity/").content.decode()
    assert "found the answer in the help article" in mine
    assert f'href="/help/articles/{article.pk}/"' in mine
    log = client_of(world, "owner").get("/activity/workspace/").content.decode()
    assert "wrote the help article" in log and f'href="/help/articles/{article.pk}/"' in log
    opened = client.get(f"/help/articles/{article.pk}/")
    assert opened.status_code == 302 and opened["Location"] == f"/help/a/{article.slug}/"

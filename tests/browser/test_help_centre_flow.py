"""The help centre answering a client before they ask, in a real browser: a Northwind client
admin starts a new request, the title they type brings up a matching help article, they open
it (a new tab), press "This answered my question" and never send the request; the owner's
deflection report counts it; a visitor who is not signed in reads the same (public)
article. The request form with its suggestions, the article and the
report are checked at 390 and 1280 px (no sideways scrolling, no axe violation, no console or
CSP error) and saved to docs/screenshots/help-*.png."""

import re

from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from shared_apps.accounts.models import User
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.help_centre.actions import article_create, collection_create
from tenant_apps.help_centre.models import Article, Collection, HelpEvent
from tenants.models import Agency
from tests.browser.conftest import _with_database
from tests.browser.pages import check_page
from tests.conftest import PASSWORD

HOST = "acme.localhost"
CLIENT = "ca@northwind.example"
OWNER = "owner@acme.example"
TITLE = "Change the logo on your invoices"


def in_acme(work):
    def run():
        with tenant_context(Agency.objects.get(subdomain="acme")):
            return work()

    return run


def seed():
    owner = User.objects.get(email=OWNER)
    # Public: its articles are readable on acme's host without signing in.
    collection = collection_create(actor=owner, title="Invoices and billing", is_public=True)
    article_create(
        actor=owner,
        collection=collection,
        title=TITLE,
        summary="Where the logo on invoices comes from, and how to replace it.",
        body="Invoices use the logo from **Branding**.\n\n1. Open Branding\n2. Upload the "
        "new logo\n3. Save: the next invoice shows it.",
        status="published",
    )


def forget():
    HelpEvent.objects.all().delete()
    Article.objects.all().delete()
    Collection.objects.all().delete()


def sign_in(page, live_url, email):
    page.goto(live_url(HOST, "/auth/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_client_finds_the_answer_while_writing_and_does_not_send(
    new_page, live_url, django_db_blocker, tmp_path
):
    _with_database(django_db_blocker, in_acme(seed))

    def requests_sent():
        return ClientRequest.objects.filter(created_by__email=CLIENT).count()

    # Other tests' requests by the same person may stand: what counts is that none is added.
    sent_before = _with_database(django_db_blocker, in_acme(requests_sent))
    try:
        client = new_page()
        client.set_viewport_size({"width": 1280, "height": 900})
        sign_in(client, live_url, CLIENT)
        client.goto(live_url(HOST, "/requests/new/"))
        client.get_by_label("Title").fill("The logo on our invoice is old")
        suggestion = client.get_by_role("link", name=re.compile(TITLE))
        expect(suggestion).to_be_visible()
        expect(client.get_by_role("heading", name="These articles may answer it")).to_be_visible()
        check_page(client, "help-suggestions")

        with client.context.expect_page() as opened:
            suggestion.click()
        article = opened.value
        # The new tab is not one new_page opened: listen for its errors here.
        problems = []
        article.on("pageerror", lambda error: problems.append(f"script: {error}"))
        article.on(
            "console",
            lambda message: message.type == "error" and problems.append(message.text),
        )
        expect(article.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        expect(article).to_have_url(re.compile(r"/help/a/[\w-]+/\?ref=[0-9a-f]{32}$"))
        check_page(article, "help-article")
        article.get_by_role("button", name="This answered my question").click()
        expect(article.get_by_text("glad it helped")).to_be_visible()
        expect(article.get_by_role("button", name="This answered my question")).to_have_count(0)
        assert not problems, problems
        article.close()

        # The client leaves without sending the request.
        assert _with_database(django_db_blocker, in_acme(requests_sent)) == sent_before

        team = new_page()
        team.set_viewport_size({"width": 1280, "height": 900})
        sign_in(team, live_url, OWNER)
        team.goto(live_url(HOST, "/reports/deflection/"))
        expect(team.get_by_role("heading", name="Help centre deflection", level=1)).to_be_visible()
        by_client = team.locator("#table-by_client")
        row = by_client.get_by_role("row", name=re.compile("Northwind"))
        # Written with suggestions, an article opened, answered, asked anyway, deflected, rate.
        expect(row.get_by_role("cell")).to_have_text(
            ["Northwind", "1", "1", "1", "0", "1", "100.0"]
        )
        check_page(team, "help-deflection-report")
        with team.expect_download() as download:
            by_client.get_by_role("link", name="CSV").click()
        exported = tmp_path / "deflection.csv"
        download.value.save_as(exported)
        assert "Northwind,1,1,1,0,1,100.0" in exported.read_text()

        # The team's help centre, with its editor.
        team.goto(live_url(HOST, "/help/"))
        expect(team.get_by_role("link", name=TITLE)).to_be_visible()
        check_page(team, "help-centre-team")
        team.get_by_role("link", name="New article").click()
        expect(team.get_by_role("heading", name="New article", level=1)).to_be_visible()
        check_page(team, "help-article-editor")

        # Anyone on the portal's address reads the public collection's article, branded.
        visitor = new_page()
        visitor.goto(live_url(HOST, "/help/"))
        visitor.get_by_role("link", name=TITLE).click()
        expect(visitor.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        expect(visitor.get_by_role("link", name="Sign in")).to_be_visible()
        expect(visitor.get_by_role("button", name="This answered my question")).to_have_count(0)
        check_page(visitor, "help-public-article")
    finally:
        _with_database(django_db_blocker, in_acme(forget))

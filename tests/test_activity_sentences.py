"""The activity log in plain words: a sentence per code, linked to the item for those who
may open it, in the agency's words; sign-ins folded per person and day; a page's queries
fixed however many entries it holds."""

from datetime import timedelta
from string import Formatter
from unittest import mock

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tenants.utils import tenant_context

from branding.models import Brand
from branding.selectors import brand_forget
from tenant_apps.activity.actions import activity_record
from tenant_apps.activity.descriptions import ALWAYS, line, readable
from tenant_apps.activity.events import ITEMS, By, Daily, audit_events
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.actions import request_status_change
from tenant_apps.documents.actions import document_upload, folder_create
from tenant_apps.history.selectors import reader_for
from tenant_apps.invoices.audit import STRIPE_PAID
from tenant_apps.people.actions import client_company_create
from tests.conftest import signed_in_client
from tests.routes_approvals import ask, decide, deliverable, pdf_upload, user
from tests.routes_invoices import make_invoice
from tests.routes_messaging import post_message
from tests.routes_requests import submit_request
from tests.test_activity_api import api_get
from tests.test_inbox import actor_of


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def _templates(sentence) -> list[str]:
    if isinstance(sentence, By):
        return [*sentence.sentences.values(), sentence.default]
    if isinstance(sentence, Daily):
        return [sentence.one, sentence.many]
    return [sentence]


@pytest.mark.parametrize("code", sorted(audit_events()))
def test_every_code_has_a_sentence_that_fits_every_entry(code):
    event = audit_events()[code]
    assert event.sentences, f"{code}: give it a sentence in its app's audit.py"
    known = ALWAYS | {"object"} | set(type(event).fields)
    for sentence in event.sentences:
        for template in _templates(sentence):
            assert _names(template) <= known, (code, template)
            # Who did it opens the sentence, so the description can leave it out.
            assert "{actor}" not in template.removeprefix("{actor} "), (code, template)
    # The last one needs nothing an entry may lack (its item aside: "something").
    for template in _templates(event.sentences[-1]):
        assert _names(template) <= ALWAYS | {"object"}, (code, template)
    if event.daily:
        assert "{count}" in event.daily.many


@pytest.mark.parametrize("model", sorted(ITEMS))
def test_every_linked_item_has_a_page_and_says_who_may_open_it(model):
    item = ITEMS[model]
    assert apps.get_model(model)
    assert reverse(item.url_name, args=[1], urlconf="config.urls_tenant")
    assert callable(import_string(item.visible))


def read(world, persona, entries=None, **options):
    """Lines of the acme log as ``persona`` reads them, newest first."""
    with tenant_context(world.acme):
        reader = reader_for(actor_of(world, persona))
        entries = entries if entries is not None else ActivityEntry.objects.all()
        rows = readable(entries.select_related("actor"), reader, **options).order_by("-id")
        return [line(entry, reader) for entry in rows[:50]]


def line_of(lines, entry):
    return next(found for found in lines if found.entry.pk == entry.pk)


def test_sentences_say_who_did_what_to_which_item(world):
    client_request = submit_request(world, title="Logo refresh")
    with tenant_context(world.acme):
        owner = user(world, "owner")
        request_status_change(client_request=client_request, status="in_progress", actor=owner)
        version = deliverable(world, name="Booking widget v3").current_version
        decide(world, ask(world, version, title="Booking widget v3"))
        folder = folder_create(company=world.northwind, name="Designs", actor=owner)
        document_upload(
            company=world.northwind,
            upload=pdf_upload("brief.pdf"),
            actor=user(world, "staff"),
            folder=folder,
        )
    lines = read(world, "owner")
    texts = [found.text for found in lines]
    title = f"#{client_request.pk} Logo refresh"
    assert f"Acme Owner moved {title} to In progress" in texts
    assert f"Northwind Client Admin submitted the request {title}" in texts
    assert "Acme Staff uploaded Booking widget v3" in texts
    assert "Acme Staff asked for approval of Booking widget v3" in texts
    assert "Northwind Approver approved Booking widget v3" in texts
    assert "Acme Staff uploaded brief.pdf to Designs" in texts
    moved = next(found for found in lines if found.entry.action == "request.status_changed")
    assert moved.changes == ["Status: New → In progress"]
    assert moved.html == (
        f'Acme Owner moved <a href="/requests/{client_request.pk}/">{title}</a> to In progress'
    )


def test_the_agencys_own_words(world):
    with tenant_context(world.acme):
        Brand.objects.filter(agency_id=world.acme.pk).update(
            client_word="customer", request_word="ticket"
        )
    brand_forget(world.acme)
    try:
        client_request = submit_request(world, title="Logo refresh")
        with tenant_context(world.acme):
            company = client_company_create(name="Initech", actor=user(world, "owner"))
            request_status_change(
                client_request=client_request,
                status="waiting_on_client",
                actor=user(world, "owner"),
            )
        lines = read(world, "owner")
        assert "Acme Owner added the customer Initech" in [found.text for found in lines]
        assert f"Northwind Client Admin submitted the ticket #{client_request.pk} Logo refresh" in [
            found.text for found in lines
        ]
        assert "to Waiting on customer" in lines[0].text
        assert company.pk
    finally:
        brand_forget(world.acme)


def test_links_only_to_items_the_reader_may_open(world):
    client_request = submit_request(world, title="Logo refresh")
    southwind_request = submit_request(world, company=world.southwind, by="other_company")
    internal = post_message(world, internal=True, body="Their budget is tight.")
    with tenant_context(world.acme):
        company = client_company_create(name="Initech", actor=user(world, "owner"))
    request_url = f"/requests/{client_request.pk}/"
    for persona, request_link, internal_link, company_link, southwind_link in [
        ("owner", True, True, True, True),
        ("staff", True, True, False, False),  # staff sees Northwind only
        ("client_admin", True, False, False, False),
    ]:
        with tenant_context(world.acme):
            # Everyone's entries: which entries one reads is the policy's; this is the links.
            lines = read(world, persona)
            by_item = {(found.entry.object_type, found.entry.object_id): found for found in lines}
        submitted = next(
            found
            for found in lines
            if found.entry.action == "request.submitted"
            and found.entry.object_id == str(client_request.pk)
        )
        assert (submitted.url == request_url) is request_link, persona
        assert (f'<a href="{request_url}">' in submitted.html) is request_link
        thread = by_item["messaging.thread", str(internal.thread_id)]
        assert (thread.url is not None) is internal_link, persona
        created = next(
            found
            for found in lines
            if found.entry.action == "client.company_created"
            and found.entry.object_id == str(company.pk)
        )
        assert (created.url is not None) is company_link, persona
        other = next(
            found
            for found in lines
            if found.entry.action == "request.submitted"
            and found.entry.object_id == str(southwind_request.pk)
        )
        assert (other.url is not None) is southwind_link, persona
        if persona == "client_admin":
            # A team page (the client's page, a webhook) is never a client's link, and an
            # unlinked item reads as itself.
            assert created.url is None and "<em>Initech</em>" in created.html


def test_clients_never_read_internal_states_or_proofs(world):
    with tenant_context(world.acme):
        approval = ask(world, deliverable(world).current_version, title="Website copy")
        decide(world, approval, comment="Lovely.")
    decided = next(
        found for found in read(world, "approver") if found.entry.action == "approval.decided"
    )
    assert decided.text == "Northwind Approver approved Website copy"
    assert decided.changes == ["Decision: Approved", "Comment: Lovely."]
    team = next(found for found in read(world, "owner") if found.entry.action == "approval.decided")
    assert team.changes == ["Decision: Approved", "Comment: Lovely.", "Signed in with: Password"]
    assert not any("sha256" in change or "Mozilla" in change for change in team.changes)


def sign_ins(world, who, count, *, days_ago=0):
    moment = timezone.now() - timedelta(days=days_ago)
    with tenant_context(world.acme), mock.patch("django.utils.timezone.now", return_value=moment):
        person = world.personas[who].user
        for _ in range(count):
            activity_record(action="auth.signed_in", actor=person, target=person)


def test_sign_ins_fold_into_one_line_per_person_and_day(world):
    client = signed_in_client(world.personas["viewer"])  # itself a sign-in
    sign_ins(world, "viewer", 3)
    sign_ins(world, "viewer", 2, days_ago=2)
    sign_ins(world, "approver", 4)
    with tenant_context(world.acme):
        today = ActivityEntry.objects.filter(
            action="auth.signed_in",
            actor=world.personas["viewer"].user,
            occurred_at__date=ActivityEntry.objects.latest("id").occurred_at.date(),
        ).count()
    page = client.get("/activity/")
    texts = [found.text for found in page.context["lines"]]
    assert texts.count(f"Northwind Viewer signed in {today} times") == 1
    assert texts.count("Northwind Viewer signed in 2 times") == 1
    assert not any("Approver" in text for text in texts)  # their own only
    assert "One line a day" in page.text  # the control, folded by default

    hidden = client.get("/activity/?sign_ins=hidden")
    assert not [found for found in hidden.context["lines"] if "signed in" in found.text]
    each = client.get("/activity/?sign_ins=all")
    signed = [found for found in each.context["lines"] if "signed in" in found.text]
    assert len(signed) == today + 2
    assert {found.text for found in signed} == {"Northwind Viewer signed in"}

    log = signed_in_client(world.personas["admin"]).get("/activity/workspace/")
    texts = [found.text for found in log.context["lines"]]
    assert "Northwind Approver signed in 4 times" in texts


def test_a_folded_day_is_never_split_across_pages(world):
    sign_ins(world, "viewer", 3)
    for _ in range(60):
        submit_request(world, by="viewer")
    sign_ins(world, "viewer", 2)
    client = signed_in_client(world.personas["viewer"])
    first = client.get("/activity/")
    older = client.get("/activity/" + first.context["older_url"])
    folded = [
        found
        for response in (first, older)
        for found in response.context["lines"]
        if "signed in" in found.text
    ]
    assert len(folded) == 1 and folded[0].count >= 5


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("viewer", "/activity/"),
        ("admin", "/activity/workspace/"),
        ("admin", "/activity/workspace/?sign_ins=all"),
    ],
)
def test_a_page_of_sentences_costs_the_same_queries_at_10_and_110_entries(
    world, who, url, django_assert_num_queries, django_assert_max_num_queries
):
    client = signed_in_client(world.personas[who])

    def entries(rounds):
        # Of every kind the page links or folds: requests, messages, sign-ins.
        for _ in range(rounds):
            submit_request(world, by="viewer")
            post_message(world, by="viewer", body="Any news?")
            sign_ins(world, "viewer", 1)
            sign_ins(world, "viewer", 1, days_ago=1)

    entries(3)
    client.get(url)  # warms the brand cache
    with django_assert_max_num_queries(20) as ten:
        assert client.get(url).status_code == 200
    counted = len(ten.captured_queries)  # read now: it is a window on the connection's log
    entries(30)
    client.get(url)  # the new messages' notifications refreshed the bell's cached count
    with django_assert_num_queries(counted):
        response = client.get(url)
    assert len(response.context["lines"]) >= 50 or "sign_ins=all" not in url


def test_the_api_says_each_entry_in_words(world):
    client_request = submit_request(world, title="Logo refresh", by="viewer")
    rows = api_get(world, "viewer", "?action=request.submitted").json()["results"]
    row = next(row for row in rows if row["object_id"] == str(client_request.pk))
    assert (
        row["summary"]
        == f"Northwind Viewer submitted the request #{client_request.pk} Logo refresh"
    )
    assert row["description"] == f"Submitted the request #{client_request.pk} Logo refresh"


def test_what_no_one_did_reads_as_the_system_s_doing(world):
    invoice = make_invoice(world, moves=["send"])
    with tenant_context(world.acme):
        # As payments records it when Stripe's event settles the invoice.
        paid = activity_record(
            action="invoice.marked_paid", target=invoice, changes={"note": STRIPE_PAID}
        )
        other = activity_record(action="invoice.marked_paid", target=invoice)
        # A code without a sentence of its own for it: the system did it.
        sent = activity_record(action="invoice.sent", target=invoice)
        by_owner = activity_record(
            action="invoice.marked_paid", target=invoice, actor=user(world, "owner")
        )
    name = f"Invoice {invoice.number}"
    for persona in ("owner", "finance"):
        lines = read(world, persona)
        assert (
            line_of(lines, paid).text == f"{name} was marked paid after the payment through Stripe"
        )
        assert line_of(lines, other).text == f"{name} was marked paid"
        assert line_of(lines, sent).text == f"The system sent {name}"
        assert line_of(lines, by_owner).text == f"Acme Owner marked {name} paid"
        assert not any(found.text.startswith("Someone") for found in lines)

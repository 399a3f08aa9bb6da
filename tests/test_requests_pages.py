"""The request pages: list, new request, detail with its htmx updates, downloads, settings."""

import re
from datetime import time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.actions import (
    request_assign,
    request_note_add,
    request_status_change,
)
from tenant_apps.client_requests.models import ClientRequest, Holiday, RequestType, SlaPolicy
from tenant_apps.files.models import StoredFile
from tenant_apps.files.storage import file_storage
from tests.access_matrix import PERSONAS
from tests.conftest import signed_in_client
from tests.routes_requests import MORE_CASES, submit_request, text_file
from tests.test_access_matrix import TENANT_URLCONF, check

HTMX = {"HX-Request": "true"}
SECRET = "Margins are thin on this client"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = MORE_CASES[case]
    check(world, TENANT_URLCONF, "acme.localhost", name, matrix_case, persona)


def browser(world, persona):
    return signed_in_client(world.personas[persona])


def in_acme(world, work):
    with tenant_context(world.acme):
        return work()


def reloaded(world, client_request) -> ClientRequest:
    return in_acme(world, lambda: ClientRequest.objects.get(pk=client_request.pk))


def counts(world) -> tuple[int, int, int]:
    """Requests, stored files and activity entries: what a refused submit must not add."""
    return in_acme(
        world,
        lambda: (
            ClientRequest.objects.count(),
            StoredFile.objects.count(),
            ActivityEntry.objects.filter(action="request.submitted").count(),
        ),
    )


def stored_objects(world) -> set[str]:
    return {key for key, _ in file_storage().listing(world.acme.schema_name)}


def with_note(world, client_request, body=SECRET):
    """An internal note with a file on ``client_request``, by the staff member."""
    return in_acme(
        world,
        lambda: request_note_add(
            client_request=client_request,
            body=body,
            actor=world.personas["staff"].user,
            files=[text_file("margins.txt", b"Margin: 4%\n")],
        ),
    )


def as_staff(world, change, client_request, **kwargs):
    in_acme(
        world,
        lambda: change(client_request=client_request, actor=world.personas["staff"].user, **kwargs),
    )


# The list


def listed_titles(response) -> list[str]:
    return re.findall(r'<a href="/requests/\d+/">([^<]+)</a>', response.text)


def test_each_side_lists_only_the_requests_it_may_see(world):
    submit_request(world, title="Northwind logo")
    submit_request(world, title="Southwind tax form", by="other_company", company=world.southwind)
    expected = {
        "owner": ["Southwind tax form", "Northwind logo"],
        "admin": ["Southwind tax form", "Northwind logo"],
        "staff": ["Northwind logo"],  # assigned to Northwind only
        "client_admin": ["Northwind logo"],
        "viewer": ["Northwind logo"],
        "other_company": ["Southwind tax form"],
    }
    for persona, titles in expected.items():
        response = browser(world, persona).get("/requests/")
        assert response.status_code == 200
        assert listed_titles(response) == titles, persona


def test_clients_get_the_filters_that_make_sense_to_them(world):
    submit_request(world)
    team_page = browser(world, "owner").get("/requests/").text
    client_page = browser(world, "client_admin").get("/requests/").text
    for name in ["status", "owner", "company", "type", "priority", "sla_state", "overdue", "q"]:
        assert f'name="{name}"' in team_page
    for name in ["owner", "company", "sla_state"]:
        assert f'name="{name}"' not in client_page
    assert "Our response" in client_page and "Our response" not in team_page
    # A client sees our promise, not our SLA clock.
    assert "left</small>" not in client_page
    assert "By " in client_page


def test_a_row_shows_status_priority_owner_sla_and_due_date(world):
    client_request = submit_request(world, title="Row request", priority="urgent")
    as_staff(world, request_assign, client_request, owner=world.personas["staff"].user)
    in_acme(
        world,
        lambda: ClientRequest.objects.filter(pk=client_request.pk).update(
            due_date=timezone.localdate() - timedelta(days=1)
        ),
    )
    row = browser(world, "owner").get("/requests/").text
    for text in [
        "Row request",
        "Northwind",
        "Support",
        '<span class="badge status-new">New</span>',
        "Urgent",
        "Acme Staff",
        '<span class="badge sla-',
        "First response due",
        "Overdue",
    ]:
        assert text in row, text


def test_filters_search_and_sorting(world):
    first = submit_request(world, title="Broken checkout", priority="low")
    submit_request(world, title="New brochure", priority="urgent")
    as_staff(world, request_status_change, first, status="in_progress")
    client = browser(world, "owner")

    assert listed_titles(client.get("/requests/?status=in_progress")) == ["Broken checkout"]
    assert listed_titles(client.get("/requests/?status=open&priority=urgent")) == ["New brochure"]
    assert listed_titles(client.get("/requests/?q=checkout")) == ["Broken checkout"]
    assert listed_titles(client.get("/requests/?owner=none&sort=oldest")) == [
        "Broken checkout",
        "New brochure",
    ]
    assert listed_titles(client.get("/requests/?sort=priority")) == [
        "New brochure",
        "Broken checkout",
    ]
    # Column headers sort, keep the filters, and flip on a second click.
    page = client.get("/requests/?status=open").text
    assert 'href="?status=open&amp;sort=priority"' in page
    assert 'aria-sort="descending"' in page
    assert 'href="?status=open&amp;sort=oldest"' in page


def test_bad_filters_are_explained_not_a_server_error(world):
    response = browser(world, "owner").get("/requests/?owner=someone&status=lost")
    assert response.status_code == 400
    assert 'Use a user id, "me" or "none".' in response.text.replace("&quot;", '"')
    assert "Select a valid choice" in response.text
    assert "Correct the filters above" in response.text


def test_htmx_filtering_returns_only_the_results(world):
    submit_request(world, title="Only results")
    response = browser(world, "owner").get(
        "/requests/?q=results", headers=HTMX | {"HX-Target": "request-results"}
    )
    assert response.text.lstrip().startswith('<div id="request-results">')
    assert "Only results" in response.text
    assert "<form" not in response.text


def test_pages_of_results(world):
    for number in range(27):
        submit_request(world, title=f"Paged {number:02}")
    client = browser(world, "owner")
    first = client.get("/requests/?sort=oldest")
    assert len(listed_titles(first)) == 25
    assert "Page 1 of 2" in first.text
    assert 'href="?sort=oldest&amp;page=2"' in first.text
    second = client.get("/requests/?sort=oldest&page=2")
    assert listed_titles(second) == ["Paged 25", "Paged 26"]
    # A mangled page number shows a page rather than failing.
    assert client.get("/requests/?page=abc").status_code == 200


@pytest.mark.parametrize("persona", ["owner", "staff", "client_admin"])
def test_the_list_costs_the_same_queries_at_10_60_and_1000_requests(world, persona):
    """At 10 rows, at 60 (more than a page) and at 1,000 the page runs the same queries:

    session; user; the actor (user + team/client membership); for limited staff, their
    assigned companies; the SLA policy with its holidays (for time left); the team
    for the owner filter (team only); COUNT(*) for the pager; the page of requests with
    company, type and owner joined; the brand (first render only, then cached); and
    the choices of the client filter (team only) and the type filter.
    """
    client = browser(world, persona)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/requests/").status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    for number in range(10):
        submit_request(world, title=f"Counted {number}")
    queries()  # the first request switches schema and caches the brand
    at_10 = queries()
    for number in range(50):
        submit_request(world, title=f"More {number}")
    at_60 = queries()
    assert len(at_10) == len(at_60), "\n".join(at_60)
    assert sum("COUNT(*)" in sql for sql in at_60) == 1

    def more():  # in bulk: only the count of rows matters here
        model = ClientRequest.objects.latest("id")
        ClientRequest.objects.bulk_create(
            ClientRequest(
                company_id=model.company_id,
                type_id=model.type_id,
                title=f"Bulk {number}",
                details="",
                priority=model.priority,
                created_by_id=model.created_by_id,
            )
            for number in range(940)
        )

    in_acme(world, more)
    at_1000 = queries()
    assert len(at_1000) == len(at_10), "\n".join(at_1000)


# A new request


def new_request_data(**overrides) -> dict:
    return {
        "type": "support",
        "title": "Add our new logo",
        "details": "The logo on invoices is last year's.",
        "priority": "high",
    } | overrides


def custom_type(world, **overrides) -> RequestType:
    fields = [
        {"key": "site", "label": "Website", "kind": "text", "required": True, "choices": []},
        {"key": "pages", "label": "Pages", "kind": "number", "required": False, "choices": []},
        {"key": "launch", "label": "Launch", "kind": "date", "required": False, "choices": []},
        {
            "key": "tier",
            "label": "Tier",
            "kind": "choice",
            "required": True,
            "choices": ["Basic", "Pro"],
        },
        {"key": "brief", "label": "Brief", "kind": "file", "required": False, "choices": []},
    ]
    return in_acme(
        world,
        lambda: RequestType.objects.create(
            key="website", name="Website", intake_fields=fields, **overrides
        ),
    )


def test_a_client_submits_a_request_with_files_for_their_company(world):
    custom_type(world)
    client = browser(world, "client_admin")
    response = client.post(
        "/requests/new/",
        new_request_data(
            type="website",
            **{
                "intake-site": "northwind.example",
                "intake-pages": "12",
                "intake-launch": "2031-05-01",
                "intake-tier": "Pro",
                "intake-brief": text_file("brief.txt"),
            },
            files=[text_file("logo-notes.txt"), text_file("old.csv", b"a,b\n1,2\n")],
        ),
    )
    created = in_acme(world, lambda: ClientRequest.objects.select_related("company").get())
    assert response.status_code == 302
    assert response["Location"] == f"/requests/{created.pk}/"
    assert created.company == world.northwind
    assert created.priority == "high"
    assert created.intake == {
        "site": "northwind.example",
        "pages": 12,
        "launch": "2031-05-01",
        "tier": "Pro",
        "brief": "brief.txt",
    }
    names = in_acme(world, lambda: sorted(created.attachments.values_list("file__name", flat=True)))
    assert names == ["brief.txt", "logo-notes.txt", "old.csv"]

    page = client.get(response["Location"]).text
    assert f"Request #{created.pk} received" in page
    assert "We'll respond by" in page
    for text in ["Website", "northwind.example", "Pro", "brief.txt", "old.csv"]:
        assert text in page


def test_changing_the_type_swaps_in_its_intake_fields(world):
    custom_type(world)
    client = browser(world, "client_admin")
    response = client.get("/requests/new/intake/?type=website")
    assert response.text.lstrip().startswith('<div id="intake-fields"')
    for name in ["intake-site", "intake-pages", "intake-launch", "intake-tier", "intake-brief"]:
        assert f'name="{name}"' in response.text
    assert 'placeholder="dd/mm/yyyy"' in response.text  # the date field, in the locale's order
    # Unknown or inactive types have no fields to show.
    assert 'name="intake-' not in client.get("/requests/new/intake/?type=nope").text
    form = client.get("/requests/new/").text
    assert 'hx-get="/requests/new/intake/"' in form
    # A link may open the form on a type, with its fields.
    assert 'name="intake-site"' in client.get("/requests/new/?type=website").text


def refused(world, persona, data, *, field_error):
    before = counts(world), stored_objects(world)
    response = browser(world, persona).post("/requests/new/", data)
    assert response.status_code == 200
    assert field_error in response.text.replace("&quot;", '"').replace("&#x27;", "'")
    assert (counts(world), stored_objects(world)) == before, "a refused request left something"
    return response


def test_unknown_type_missing_intake_and_past_dates_are_form_errors(world):
    custom_type(world)
    refused(
        world,
        "client_admin",
        new_request_data(type="no-such-type"),
        field_error="Choose one of the request types offered.",
    )
    inactive = in_acme(
        world, lambda: RequestType.objects.create(key="old", name="Old", is_active=False)
    )
    refused(
        world,
        "client_admin",
        new_request_data(type=inactive.key),
        field_error="Choose one of the request types offered.",
    )
    response = refused(
        world,
        "client_admin",
        new_request_data(type="website", **{"intake-tier": "Gold", "intake-pages": "many"}),
        field_error="This field is required.",
    )
    assert "Select a valid choice. Gold is not one of the available choices." in response.text
    assert "Enter a number." in response.text
    # What was typed survives, on both forms.
    assert 'value="Add our new logo"' in response.text
    refused(
        world,
        "client_admin",
        new_request_data(wanted_by=str(timezone.localdate() - timedelta(days=1))),
        field_error="The wanted-by date cannot be in the past.",
    )


def test_team_members_choose_among_the_clients_they_see(world):
    refused(world, "owner", new_request_data(), field_error="This field is required.")
    refused(
        world,
        "staff",
        new_request_data(company=world.southwind.pk),
        field_error="Select a valid choice.",
    )
    response = browser(world, "staff").post(
        "/requests/new/", new_request_data(company=world.northwind.pk)
    )
    assert response.status_code == 302
    created = in_acme(world, lambda: ClientRequest.objects.get())
    assert created.company_id == world.northwind.pk
    assert created.created_by_id == world.personas["staff"].user.pk


def test_a_refused_file_is_named_and_nothing_is_stored(world, settings):
    settings.FILE_MAX_UPLOAD_BYTES = 50
    refused(
        world,
        "client_admin",
        new_request_data(files=[text_file("ok.txt"), text_file("big.txt", b"x" * 51)]),
        field_error='"big.txt" was refused: it is larger than the 50\xa0bytes limit.',
    )
    refused(
        world,
        "client_admin",
        new_request_data(files=[SimpleUploadedFile("page.html", b"<html></html>")]),
        field_error='"page.html" was refused: .html files are not accepted',
    )


def test_a_file_refused_while_storing_leaves_no_file_behind(world):
    """Its first bytes pass, so the form accepts it; the storing stream refuses it later,
    after the file before it was stored. The submit rolls back and that object goes too."""
    bad = SimpleUploadedFile("notes.txt", b"a" * 5000 + b"\xff\xfe")
    refused(
        world,
        "client_admin",
        new_request_data(files=[text_file("fine.txt"), bad]),
        field_error='"notes.txt" was refused: its text is not valid UTF-8.',
    )


def test_viewers_cannot_submit(world):
    assert browser(world, "viewer").get("/requests/new/").status_code == 403
    assert browser(world, "viewer").post("/requests/new/", new_request_data()).status_code == 403


# One request: what each side sees


def test_the_team_sees_sla_deadlines_and_the_client_our_promise(world):
    client_request = submit_request(world)
    team = browser(world, "staff").get(f"/requests/{client_request.pk}/").text
    for text in ["SLA", "First response", "Due ", "Resolution", "Update this request", "Owner"]:
        assert text in team
    client = browser(world, "client_admin").get(f"/requests/{client_request.pk}/").text
    promise = reloaded(world, client_request).response_due_at
    with timezone.override("UTC"):
        # The agency's default locale (en-GB) and zone (UTC), the zone said.
        when = f"{promise:%A} {promise.day} {promise:%B}, {promise:%H:%M} UTC"
    assert f"We'll respond by {when}." in client
    for text in ["Update this request", "Internal note", "First response due", "shortcuts"]:
        assert text not in client

    as_staff(world, request_status_change, client_request, status="waiting_on_client")
    waiting = browser(world, "client_admin").get(f"/requests/{client_request.pk}/").text
    assert "We're waiting on you." in waiting
    assert "We'll respond by" not in waiting


def test_times_show_in_the_agency_time_zone(world):
    world.acme.time_zone = "Asia/Tokyo"
    world.acme.save(update_fields=["time_zone"])
    client_request = submit_request(world)
    page = browser(world, "owner").get(f"/requests/{client_request.pk}/").text
    assert "JST" in page


def test_clients_never_see_internal_notes_or_their_files(world):
    client_request = submit_request(world)
    note = with_note(world, client_request)
    attachment = in_acme(world, lambda: note.attachments.get())
    download = f"/requests/{client_request.pk}/files/{attachment.pk}/"

    team = browser(world, "staff").get(f"/requests/{client_request.pk}/").text
    assert SECRET in team and download in team and "Internal note" in team
    for persona in ["client_admin", "approver", "finance", "viewer"]:
        page = browser(world, persona).get(f"/requests/{client_request.pk}/").text
        assert SECRET not in page and "margins.txt" not in page and download not in page
        assert browser(world, persona).get(download).status_code == 404
        assert not listed_titles(browser(world, persona).get("/requests/?q=thin+margins"))

    # The htmx answer to a client's reply carries the timeline: still without the note.
    response = browser(world, "client_admin").post(
        f"/requests/{client_request.pk}/replies/", {"reply-body": "Any news?"}, headers=HTMX
    )
    assert 'id="request-timeline" aria-labelledby="timeline-heading" hx-swap-oob="true"' in (
        response.text
    )
    assert "Any news?" in response.text and SECRET not in response.text


def test_downloads_stream_the_file_as_an_attachment(world):
    client_request = submit_request(world, files=[text_file("brief.txt", b"The brief\n")])
    attachment = in_acme(world, lambda: client_request.attachments.get())
    response = browser(world, "viewer").get(f"/requests/{client_request.pk}/files/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"The brief\n"
    assert response["Content-Disposition"].startswith('attachment; filename="brief.txt"')
    # An attachment id of another request is not this request's file.
    other = submit_request(world)
    assert (
        browser(world, "owner").get(f"/requests/{other.pk}/files/{attachment.pk}/").status_code
        == 404
    )


def test_southwind_and_northwind_never_meet(world):
    northwind = submit_request(world, files=[text_file()])
    southwind = submit_request(world, by="other_company", company=world.southwind)
    attachment = in_acme(world, lambda: northwind.attachments.get())
    other = browser(world, "other_company")
    assert other.get(f"/requests/{northwind.pk}/").status_code == 404
    assert other.get(f"/requests/{northwind.pk}/files/{attachment.pk}/").status_code == 404
    assert other.post(f"/requests/{northwind.pk}/replies/", {"reply-body": "Hi"}).status_code == 404
    staff = browser(world, "staff")
    assert staff.get(f"/requests/{southwind.pk}/").status_code == 404
    assert (
        staff.post(f"/requests/{southwind.pk}/update/", {"status": "resolved"}).status_code == 404
    )
    # Staff who don't see Southwind are never offered as its owner, nor accepted.
    owner = browser(world, "owner")
    page = owner.get(f"/requests/{southwind.pk}/").text
    staff_id = world.personas["staff"].user.pk
    assert f'<option value="{staff_id}">' not in page
    response = owner.post(
        f"/requests/{southwind.pk}/update/", update_fields(southwind, owner=staff_id)
    )
    assert "That person doesn&#x27;t work on this client&#x27;s requests." in response.text
    assert reloaded(world, southwind).owner_id is None


# One request: the team works it, in place, in one form


def update_fields(client_request, **changes) -> dict:
    """The update form as it comes, with ``changes`` made."""
    return {
        "owner": client_request.owner_id or "",
        "status": client_request.status,
        "priority": client_request.priority,
        "due_date": str(client_request.due_date or ""),
        "note": "",
    } | changes


def update_post(world, client_request, persona="staff", **changes):
    current = reloaded(world, client_request)
    return browser(world, persona).post(
        f"/requests/{client_request.pk}/update/", update_fields(current, **changes), headers=HTMX
    )


def test_the_status_machine_through_the_page(world):
    client_request = submit_request(world)
    page = browser(world, "staff").get(f"/requests/{client_request.pk}/").text
    offered = re.findall(
        r'<option value="(\w+)"', page.split('id="update-status"')[1].split("</select>")[0]
    )
    assert offered == ["new", "in_review", "in_progress", "waiting_on_client", "resolved"]

    response = update_post(world, client_request, status="in_review")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form id="request-update"')
    assert '<span class="badge big status-in_review" id="request-status">In review</span>' in (
        response.text
    )  # the header, out of band
    assert "moved it from new to in review" in response.text  # the timeline, out of band
    assert "Saved: status → In review." in response.text

    # Not a move the machine allows: a clear message beside the field, nothing changes.
    response = update_post(world, client_request, status="closed", priority="urgent")
    assert 'id="update-status_error"' in response.text
    assert "A request that is in review cannot move to closed." in response.text
    assert "hx-swap-oob" not in response.text
    assert (reloaded(world, client_request).status, reloaded(world, client_request).priority) == (
        "in_review",
        "normal",
    )
    assert update_post(world, client_request, status="lost").status_code == 200

    client = browser(world, "staff")
    for status in ["waiting_on_client", "resolved", "closed", "in_progress", "resolved"]:
        fields = update_fields(reloaded(world, client_request), status=status)
        response = client.post(f"/requests/{client_request.pk}/update/", fields)
        assert response.status_code == 302
    final = reloaded(world, client_request)
    assert final.status == "resolved" and final.reopened_count == 1
    # Without htmx: back to the page, which says what changed.
    assert "Saved: status → Resolved." in client.get(response["Location"]).text


def test_a_client_reply_moves_a_waiting_or_resolved_request_back_in_progress(world):
    client_request = submit_request(world)
    for status in ["waiting_on_client", "resolved"]:
        as_staff(world, request_status_change, client_request, status=status)
        response = browser(world, "approver").post(
            f"/requests/{client_request.pk}/replies/", {"reply-body": "One more thing"}
        )
        assert response.status_code == 302
        assert reloaded(world, client_request).status == "in_progress"
        client_request = reloaded(world, client_request)
    assert (
        browser(world, "viewer")
        .post(f"/requests/{client_request.pk}/replies/", {"reply-body": "Me too"})
        .status_code
        == 403
    )


def test_one_save_sets_owner_status_priority_due_date_and_a_note(world):
    client_request = submit_request(world)
    staff_id = world.personas["staff"].user.pk

    def entries():  # what working the request wrote (sign-ins aside)
        return in_acme(
            world,
            lambda: list(
                ActivityEntry.objects.filter(action__startswith="request.")
                .order_by("id")
                .values_list("action")
            ),
        )

    before = len(entries())

    past = timezone.localdate() - timedelta(days=1)
    response = update_post(
        world,
        client_request,
        "admin",
        owner=staff_id,
        status="in_progress",
        priority="urgent",
        due_date=str(past),
        note=SECRET,
    )
    assert 'id="update-due_date_error"' in response.text
    assert "The due date cannot be in the past." in response.text
    saved = reloaded(world, client_request)
    assert (saved.owner_id, saved.status, saved.priority) == (None, "new", "normal"), "nothing"
    assert len(entries()) == before

    soon = timezone.localdate() + timedelta(days=3)
    response = update_post(
        world,
        client_request,
        "admin",
        owner=staff_id,
        status="in_progress",
        priority="urgent",
        due_date=str(soon),
        note=SECRET,
    )
    html = response.text
    assert (
        f"Saved: owner → Acme Staff, status → In progress, priority → Urgent, "
        f"due date → {soon.day} {soon:%b %Y}, internal note added." in html
    )
    assert "<dt>Owner</dt><dd>Acme Staff</dd>" in html
    assert "assigned it to Acme Staff" in html
    assert "changed the priority from normal to urgent" in html
    assert f"set the due date to {soon.day} {soon:%b %Y}" in html
    assert SECRET in html and 'class="event event-note internal"' in html
    saved = reloaded(world, client_request)
    assert (saved.owner_id, saved.status, saved.priority, saved.due_date) == (
        staff_id,
        "in_progress",
        "urgent",
        soon,
    )
    added = [action for (action,) in entries()[before:]]
    assert sorted(added) == [
        "request.assigned",
        "request.note_added",
        "request.status_changed",
        "request.updated",
    ]

    # Only what changed is written: the priority alone, then nothing at all.
    response = update_post(world, client_request, "admin", priority="low")
    assert "Saved: priority → Low." in response.text
    assert [action for (action,) in entries()[before + 4 :]] == ["request.updated"]
    response = update_post(world, client_request, "admin")
    assert "Nothing to save: no field changed." in response.text
    assert len(entries()) == before + 5

    # Clearing the due date is a change too.
    response = update_post(world, client_request, "admin", due_date="")
    assert "Saved: due date → cleared." in response.text
    assert "removed the due date" in response.text
    assert reloaded(world, client_request).due_date is None


def test_note_files_need_a_note_and_clients_never_post_the_form(world):
    client_request = submit_request(world)
    client = browser(world, "staff")
    fields = update_fields(client_request) | {"files": [text_file("plan.txt")]}
    response = client.post(f"/requests/{client_request.pk}/update/", fields, headers=HTMX)
    assert "Write a note to go with the files." in response.text
    fields = update_fields(client_request, note="The plan") | {"files": [text_file("plan.txt")]}
    response = client.post(f"/requests/{client_request.pk}/update/", fields, headers=HTMX)
    assert "plan.txt" in response.text and "internal note added" in response.text
    assert (
        browser(world, "client_admin")
        .post(f"/requests/{client_request.pk}/update/", update_fields(client_request, note="x"))
        .status_code
        == 403
    )


def test_replies_swap_their_form_and_the_timeline(world):
    client_request = submit_request(world)
    client = browser(world, "staff")
    response = client.post(
        f"/requests/{client_request.pk}/replies/",
        {"reply-body": "Looking at it now.", "reply-files": [text_file("plan.txt")]},
        headers=HTMX,
    )
    html = response.text
    assert html.lstrip().startswith('<form id="reply-form"')
    assert "Looking at it now." in html and "plan.txt" in html
    assert 'id="request-header" hx-swap-oob="true"' in html.replace(
        'class="card request-header" ', ""
    )
    assert reloaded(world, client_request).first_response_at is not None

    response = client.post(
        f"/requests/{client_request.pk}/replies/", {"reply-body": ""}, headers=HTMX
    )
    assert response.text.lstrip().startswith('<form id="reply-form"')
    assert "This field is required." in response.text
    assert "hx-swap-oob" not in response.text  # nothing else changed


def test_reply_files_are_checked_before_anything_is_stored(world, settings):
    settings.FILE_MAX_UPLOAD_BYTES = 20
    client_request = submit_request(world)
    before = stored_objects(world)
    response = browser(world, "client_admin").post(
        f"/requests/{client_request.pk}/replies/",
        {"reply-body": "Here", "reply-files": [text_file("big.txt", b"y" * 21)]},
    )
    assert response.status_code == 200
    assert "&quot;big.txt&quot; was refused" in response.text
    assert stored_objects(world) == before
    assert in_acme(world, lambda: client_request.events.count()) == 1


# Settings


def test_saving_the_sla_policy_recalculates_open_requests(world):
    client_request = submit_request(world, priority="urgent")
    before = reloaded(world, client_request).response_due_at
    data = {
        "timezone": "Europe/Berlin",
        "working_days": ["0", "1", "2", "3", "4", "5"],
        "opens": "08:00",
        "closes": "18:00",
    }
    for priority in ["low", "normal", "high", "urgent"]:
        data[f"{priority}_response"] = "2"
        data[f"{priority}_resolution"] = "10.5"
    client = browser(world, "admin")
    response = client.post("/requests/settings/sla/", data)
    assert response.status_code == 302
    policy = in_acme(world, lambda: SlaPolicy.objects.prefetch_related("targets").get())
    assert (policy.timezone, policy.working_days) == ("Europe/Berlin", [0, 1, 2, 3, 4, 5])
    assert (policy.opens, policy.closes) == (time(8), time(18))
    assert {(t.first_response_minutes, t.resolution_minutes) for t in policy.targets.all()} == {
        (120, 630)
    }
    assert reloaded(world, client_request).response_due_at != before
    [entry] = in_acme(
        world, lambda: list(ActivityEntry.objects.filter(action="sla.policy_updated"))
    )
    assert entry.changes["timezone"] == ["UTC", "Europe/Berlin"]
    page = client.get(response["Location"]).text
    assert 'value="10.50"' in page and "recalculated" in page


def test_sla_policy_mistakes_are_explained(world):
    data = {"timezone": "Mars/Olympus", "opens": "17:00", "closes": "09:00"}
    for priority in ["low", "normal", "high", "urgent"]:
        data[f"{priority}_response"] = "8"
        data[f"{priority}_resolution"] = "4"
    data["urgent_response"] = "0"
    response = browser(world, "owner").post("/requests/settings/sla/", data)
    text = response.text.replace("&#x27;", "'")
    assert response.status_code == 200
    assert "Select a valid choice. Mars/Olympus" in text
    assert "Closing time must be after opening time." in text
    assert "High requests can't be resolved sooner than they are first answered." in text
    assert "Ensure this value is greater than or equal to 0.25." in text
    assert text.count("This field is required.") == 1  # no working day ticked


def test_holidays_are_added_once_and_removed(world):
    client = browser(world, "owner")
    response = client.post(
        "/requests/settings/sla/holidays/", {"date": "2031-12-25", "name": "Christmas Day"}
    )
    assert response.status_code == 302
    page = client.get("/requests/settings/sla/").text
    assert "Christmas Day" in page and "Thu 25 Dec 2031" in page
    again = client.post("/requests/settings/sla/holidays/", {"date": "2031-12-25", "name": "X"})
    assert "That date is already a holiday." in again.text
    holiday = in_acme(world, lambda: Holiday.objects.get())
    assert client.post(f"/requests/settings/sla/holidays/{holiday.pk}/remove/").status_code == 302
    assert not in_acme(world, lambda: Holiday.objects.exists())
    actions = in_acme(
        world,
        lambda: list(
            ActivityEntry.objects.filter(action__startswith="sla.holiday")
            .order_by("id")
            .values_list("action", flat=True)
        ),
    )
    assert actions == ["sla.holiday_added", "sla.holiday_removed"]


def type_form(name, *rows, initial=0) -> dict:
    data = {
        "name": name,
        "description": "A new site or page",
        "fields-TOTAL_FORMS": str(len(rows)),
        "fields-INITIAL_FORMS": str(initial),
    }
    for index, row in enumerate(rows):
        data |= {f"fields-{index}-{key}": value for key, value in row.items()}
    return data


def test_an_admin_creates_a_type_with_intake_fields_clients_then_fill_in(world):
    client = browser(world, "admin")
    response = client.post(
        "/requests/settings/types/new/",
        type_form(
            "Website change",
            {"label": "Page URL", "kind": "text", "required": "on"},
            {"label": "Plan", "kind": "choice", "choices": "Basic\nPro, Pro"},
            {"label": "", "kind": "text"},  # a blank row is ignored
        ),
    )
    assert response.status_code == 302
    created = in_acme(world, lambda: RequestType.objects.get(name="Website change"))
    assert created.key == "website-change"
    assert created.intake_fields == [
        {"key": "page_url", "label": "Page URL", "kind": "text", "required": True, "choices": []},
        {
            "key": "plan",
            "label": "Plan",
            "kind": "choice",
            "required": False,
            "choices": ["Basic", "Pro"],
        },
    ]
    new_form = browser(world, "client_admin").get("/requests/new/?type=website-change").text
    assert 'name="intake-page_url"' in new_form and '<option value="Pro">Pro</option>' in new_form

    # Editing keeps keys (answers given stay matched) and can remove a field.
    response = client.post(
        f"/requests/settings/types/{created.pk}/",
        type_form(
            "Website change",
            {"key": "page_url", "label": "Address", "kind": "text", "required": "on"},
            {"key": "plan", "label": "Plan", "kind": "choice", "choices": "Basic", "DELETE": "on"},
            initial=2,
        ),
    )
    assert response.status_code == 302
    edited = in_acme(world, lambda: RequestType.objects.get(pk=created.pk))
    assert [(spec["key"], spec["label"]) for spec in edited.intake_fields] == [
        ("page_url", "Address")
    ]


def test_type_editor_errors(world):
    client = browser(world, "owner")
    response = client.post(
        "/requests/settings/types/new/",
        type_form("support", {"label": "Plan", "kind": "choice", "choices": " , "}),
    )
    assert "There is already a request type with this name." in response.text
    assert "A choice field needs at least one option." in response.text
    assert not in_acme(world, lambda: RequestType.objects.filter(is_builtin=False).exists())


def test_adding_an_intake_field_row_in_place(world):
    response = browser(world, "owner").get("/requests/settings/types/field-row/?index=4")
    html = response.text
    assert 'name="fields-4-label"' in html
    assert '<input type="hidden" name="fields-TOTAL_FORMS" value="5"' in html
    assert 'hx-get="/requests/settings/types/field-row/?index=5"' in html
    too_many = browser(world, "owner").get("/requests/settings/types/field-row/?index=30")
    assert too_many.status_code == 400


def test_a_deactivated_type_is_no_longer_offered(world):
    support = in_acme(world, lambda: RequestType.objects.get(key="support"))
    client = browser(world, "owner")
    response = client.post(f"/requests/settings/types/{support.pk}/active/", headers=HTMX)
    assert response.text.lstrip().startswith(f'<tr id="type-{support.pk}">')
    assert "Reactivate" in response.text
    assert (
        '<option value="support">' not in browser(world, "client_admin").get("/requests/new/").text
    )
    refused(
        world,
        "client_admin",
        new_request_data(),
        field_error="Choose one of the request types offered.",
    )
    client.post(f"/requests/settings/types/{support.pk}/active/")
    assert in_acme(world, lambda: RequestType.objects.get(pk=support.pk).is_active)


def test_the_nav_links_to_requests_and_settings_for_those_who_may(world):
    for persona, sees_settings in [
        ("owner", True),
        ("admin", True),
        ("staff", False),
        ("viewer", False),
    ]:
        page = browser(world, persona).get("/").text
        assert '<a href="/requests/">Requests</a>' in page
        assert ('href="/requests/settings/sla/"' in page) is sees_settings

"""Satisfaction (CSAT): the survey emailed when a request is resolved, its single-purpose
links, the rating on the request page and over the API, who may rate and see it, the 7-day
window, and the activity log."""

import json
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.client_requests.actions import request_reply_add, request_status_change
from tenant_apps.notifications.models import ActionLink
from tenant_apps.satisfaction.actions import rating_give
from tenant_apps.satisfaction.models import Rating
from tenant_apps.satisfaction.tasks import survey_send
from tests.conftest import host_client, signed_in_client
from tests.people_support import ACME, api_client
from tests.routes_requests import submit_request
from tests.routes_satisfaction import resolved_request, survey_link
from tests.security_support import enable_two_factor

pytest_plugins = ["tests.security_fixtures"]
HTMX = {"HX-Request": "true"}


def in_acme(world, work):
    with tenant_context(world.acme):
        return work()


def user(world, persona):
    return world.personas[persona].user


def rating(world, client_request) -> Rating | None:
    return in_acme(world, lambda: Rating.objects.filter(request=client_request).first())


def entries(world, client_request) -> list[tuple[str, dict]]:
    return in_acme(
        world,
        lambda: [
            (entry.action, entry.changes)
            for entry in ActivityEntry.objects.filter(
                object_id=str(client_request.pk), action__startswith="rating."
            ).order_by("id")
        ],
    )


def survey_links(message) -> dict[str, str]:
    found = dict(re.findall(r"http://[a-z.]+:\d+(/rate/[\w.-]+/(good|okay|bad)/)", message.body))
    return {score: path for path, score in found.items()}


def later(days: float):
    """Django's clock ``days`` ahead."""
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days))


def put(world, persona, client_request, data):
    client, headers = api_client(world, persona)
    return client.put(
        f"/api/v1/requests/{client_request.pk}/rating",
        json.dumps(data),
        content_type="application/json",
        **headers,
    )


def get(world, persona, client_request):
    client, headers = api_client(world, persona)
    return client.get(f"/api/v1/requests/{client_request.pk}/rating", **headers)


# The emailed survey and its links


def test_resolving_emails_the_asker_one_click_links_that_rate_then_offer_a_comment(
    world, run_tasks
):
    with run_tasks():
        client_request = resolved_request(world)
    [message] = [m for m in mail.outbox if "How did we do?" in m.subject]
    assert message.to == [user(world, "client_admin").email]
    links = survey_links(message)
    assert set(links) == {"good", "okay", "bad"}
    browser = host_client(ACME)
    # Opening the link (as a mail scanner would) records nothing.
    page = browser.get(links["okay"])
    assert page.status_code == 200 and 'value="okay"' in page.text
    assert rating(world, client_request) is None
    # One click records it and opens the rating page (that page only) to add a comment.
    answered = browser.post(links["okay"], {"score": "okay"})
    assert answered["Location"] == f"/requests/{client_request.pk}/rating/"
    assert rating(world, client_request).score == "okay"
    assert rating(world, client_request).via == "email"
    shown = browser.get(answered["Location"])
    assert "Comment (optional)" in shown.text
    commented = browser.post(
        answered["Location"], {"score": "good", "comment": "Quick and kind."}, headers=HTMX
    )
    assert commented.status_code == 200 and "Thank you, your rating is saved." in commented.text
    saved = rating(world, client_request)
    assert (saved.score, saved.comment) == ("good", "Quick and kind.")
    # The link's session reaches nothing else.
    assert browser.get(f"/requests/{client_request.pk}/").status_code == 302
    assert entries(world, client_request) == [
        ("rating.survey_sent", {"recipient": user(world, "client_admin").email}),
        ("rating.given", {"score": "okay", "via": "email"}),
        (
            "rating.changed",
            {"score": ["okay", "good"], "comment": ["", "Quick and kind."], "via": "portal"},
        ),
    ]


def test_the_survey_goes_once_per_resolution_and_not_when_reopened_rated_or_asked_by_the_team(
    world, run_tasks
):
    client_request = resolved_request(world)
    in_acme(world, lambda: survey_send(client_request.pk))
    in_acme(world, lambda: survey_send(client_request.pk))  # a retry sends nothing more
    assert len([m for m in mail.outbox if "How did we do?" in m.subject]) == 1
    links = ActionLink.objects.filter(object_id=str(client_request.pk), path__endswith="/rating/")
    assert in_acme(world, links.count) == 1
    # Reopened by the client before the task ran: no survey.
    reopened = resolved_request(world)
    in_acme(
        world,
        lambda: request_reply_add(
            client_request=reopened, body="Not fixed", actor=user(world, "client_admin")
        ),
    )
    assert in_acme(world, lambda: survey_send(reopened.pk)) == 0
    # Rated already (in the portal): no survey.
    rated = resolved_request(world)
    in_acme(
        world,
        lambda: rating_give(client_request=rated, actor=user(world, "client_admin"), score="bad"),
    )
    assert in_acme(world, lambda: survey_send(rated.pk)) == 0
    # Asked by the team on a client's behalf: nobody to ask.
    for_them = resolved_request(world, by="owner")
    assert in_acme(world, lambda: survey_send(for_them.pk)) == 0


def test_a_survey_link_is_useless_on_another_agencys_host_to_another_person_and_after_7_days(
    world,
):
    client_request = resolved_request(world)
    token, _ = survey_link(world, client_request)
    path = f"/rate/{token}/good/"
    # Another agency's host refuses it by name, writing nothing.
    assert host_client("globex.localhost").post(path, {"score": "good"}).status_code == 403
    # Another person signed in here is refused.
    other = signed_in_client(world.personas["approver"])
    assert other.post(path, {"score": "good"}).status_code == 403
    assert rating(world, client_request) is None
    # A link of another kind (a notification's) cannot rate.
    in_acme(
        world,
        lambda: ActionLink.objects.filter(object_id=str(client_request.pk)).update(
            path=f"/requests/{client_request.pk}/"
        ),
    )
    assert host_client(ACME).post(path, {"score": "good"}).status_code == 404
    in_acme(
        world,
        lambda: ActionLink.objects.filter(object_id=str(client_request.pk)).update(
            path=f"/requests/{client_request.pk}/rating/"
        ),
    )
    # Used once, then again after 7 days: expired.
    assert host_client(ACME).post(path, {"score": "good"}).status_code == 302
    with later(7.01):
        reused = host_client(ACME).post(path, {"score": "bad"})
    assert reused.status_code == 410 and "expired" in reused.text
    assert rating(world, client_request).score == "good"


def test_an_expired_link_never_used_records_nothing(world):
    client_request = resolved_request(world)
    token, _ = survey_link(world, client_request)
    with later(8):
        assert host_client(ACME).get(f"/rate/{token}/bad/").status_code == 410
        assert host_client(ACME).post(f"/rate/{token}/bad/", {"score": "bad"}).status_code == 410
    assert rating(world, client_request) is None


def test_a_link_with_a_bad_answer_is_a_404_and_a_posted_bad_answer_a_form_error(world):
    client_request = resolved_request(world)
    token, _ = survey_link(world, client_request)
    assert host_client(ACME).get(f"/rate/{token}/great/").status_code == 404
    refused = host_client(ACME).post(f"/rate/{token}/good/", {"score": "great"})
    assert refused.status_code == 400 and 'class="error"' in refused.text
    assert rating(world, client_request) is None


# The request page


def test_the_asker_rates_on_the_request_page_and_the_team_sees_it(world):
    client_request = resolved_request(world)
    asker = signed_in_client(world.personas["client_admin"])
    url = f"/requests/{client_request.pk}/rating/"
    detail = asker.get(f"/requests/{client_request.pk}/")
    assert f'hx-get="{url}"' in detail.text
    panel = asker.get(url, headers=HTMX)
    assert "How did we do?" in panel.text and 'name="score"' in panel.text
    refused = asker.post(url, {"score": "meh"})
    assert refused.status_code == 400 and "Select a valid choice" in refused.text
    assert asker.post(url, {"score": "bad", "comment": "Too slow."}).status_code == 302
    team = signed_in_client(world.personas["staff"]).get(url, headers=HTMX)
    assert "Client rating" in team.text and "Bad" in team.text and "Too slow." in team.text
    assert 'name="score"' not in team.text  # the team reads, never rates
    assert signed_in_client(world.personas["owner"]).post(url, {"score": "good"}).status_code == 403
    assert signed_in_client(world.personas["viewer"]).get(url).status_code == 403
    assert signed_in_client(world.personas["other_company"]).get(url).status_code == 404
    assert rating(world, client_request).score == "bad"


def test_before_it_is_resolved_there_is_nothing_to_rate(world):
    client_request = submit_request(world)
    asker = signed_in_client(world.personas["client_admin"])
    url = f"/requests/{client_request.pk}/rating/"
    assert 'name="score"' not in asker.get(url, headers=HTMX).text
    refused = asker.post(url, {"score": "good"})
    assert refused.status_code == 400 and "once it is resolved" in refused.text
    assert rating(world, client_request) is None


def test_the_rating_changes_for_7_days_then_is_read_only(world):
    client_request = resolved_request(world)
    asker = signed_in_client(world.personas["client_admin"])
    url = f"/requests/{client_request.pk}/rating/"
    asker.post(url, {"score": "okay"})
    with later(6.9):
        assert asker.post(url, {"score": "good"}).status_code == 302
    with later(7.1):
        final = asker.post(url, {"score": "bad"})
        assert final.status_code == 400 and "this one is final" in final.text
        shown = asker.get(url, headers=HTMX).text
    assert "this one is final" in shown and 'name="score"' not in shown
    assert rating(world, client_request).score == "good"


# The API


def test_the_api_lets_the_asker_write_and_the_team_read(world):
    client_request = resolved_request(world)
    assert get(world, "client_admin", client_request).json()["score"] is None
    given = put(world, "client_admin", client_request, {"score": "good", "comment": "Thanks"})
    assert given.status_code == 200, given.content
    body = given.json()
    assert (body["score"], body["comment"], body["can_rate"]) == ("good", "Thanks", True)
    # Left out, the comment stays.
    assert put(world, "client_admin", client_request, {"score": "okay"}).json()["comment"] == (
        "Thanks"
    )
    read = get(world, "owner", client_request).json()
    assert (read["score"], read["can_rate"]) == ("okay", False)
    assert rating(world, client_request).via == "api"


def test_the_api_refuses_bad_input_with_field_errors_and_writes_nothing(world):
    client_request = resolved_request(world)
    bad = put(world, "client_admin", client_request, {"score": "great", "comment": "x" * 2001})
    assert bad.status_code == 400
    assert set(bad.json()) >= {"score", "comment"}
    assert put(world, "client_admin", client_request, {}).json()["score"]
    unresolved = submit_request(world)
    early = put(world, "client_admin", unresolved, {"score": "good"})
    assert early.status_code == 400 and "score" in early.json()
    assert rating(world, client_request) is None and rating(world, unresolved) is None


def test_nobody_rates_for_the_asker_and_other_companies_never_see_it(world):
    client_request = resolved_request(world)
    for persona in ["owner", "admin", "staff", "approver", "viewer"]:
        assert put(world, persona, client_request, {"score": "good"}).status_code == 403, persona
    assert put(world, "other_company", client_request, {"score": "bad"}).status_code == 404
    assert get(world, "other_company", client_request).status_code == 404
    with pytest.raises(PermissionDenied):
        in_acme(
            world,
            lambda: rating_give(
                client_request=client_request, actor=user(world, "owner"), score="good"
            ),
        )
    assert rating(world, client_request) is None
    # Southwind's own request: its asker rates it, and Northwind's people cannot see it.
    southwind = resolved_request(world, by="other_company", company=world.southwind)
    assert put(world, "other_company", southwind, {"score": "good"}).status_code == 200
    assert get(world, "client_admin", southwind).status_code == 404
    assert get(world, "staff", southwind).status_code == 404  # staff serve Northwind only


def test_the_schema_documents_the_rating(world):
    schema = host_client(ACME).get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/requests/{request_id}/rating"]
    assert set(operations) >= {"get", "put"}
    assert "400" in operations["put"]["responses"]


def test_resolving_again_after_a_reopening_sends_a_fresh_survey(world, run_tasks):
    with run_tasks():
        client_request = resolved_request(world)
    with run_tasks():
        in_acme(
            world,
            lambda: request_reply_add(
                client_request=client_request,
                body="Still broken",
                actor=user(world, "client_admin"),
            ),
        )
    with run_tasks():
        in_acme(
            world,
            lambda: request_status_change(
                client_request=client_request, status="resolved", actor=user(world, "owner")
            ),
        )
    assert len([m for m in mail.outbox if "How did we do?" in m.subject]) == 2


def test_a_two_factor_asker_rates_by_link_and_signs_in_to_comment(world):
    enable_two_factor(world.personas["client_admin"])
    client_request = resolved_request(world)
    token, _ = survey_link(world, client_request)
    browser = host_client(ACME)
    answered = browser.post(f"/rate/{token}/bad/", {"score": "bad"})
    assert answered["Location"] == (
        f"/auth/login/?next=%2Frequests%2F{client_request.pk}%2Frating%2F"
    )
    assert rating(world, client_request).score == "bad"
    # No session was opened by the link.
    assert browser.get(f"/requests/{client_request.pk}/rating/").status_code == 302


def test_the_team_sees_not_rated_yet_once_resolved_and_nothing_before(world):
    staff = signed_in_client(world.personas["staff"])
    open_request = submit_request(world)
    assert (
        "Client rating" not in staff.get(f"/requests/{open_request.pk}/rating/", headers=HTMX).text
    )
    resolved = resolved_request(world)
    panel = staff.get(f"/requests/{resolved.pk}/rating/", headers=HTMX).text
    assert "Client rating" in panel and "Not rated yet." in panel

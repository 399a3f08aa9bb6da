"""Time and retainers (issue 19): time logged by hand or by a timer (one running per
person), a company's retainer month with unused hours carried over up to a cap, and who may
see which month."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.kit.access import Actor
from tenant_apps.people.models import ClientMember, TeamMember
from tenant_apps.timesheets import actions
from tenant_apps.timesheets.models import Retainer, TimeEntry
from tenant_apps.timesheets.selectors import (
    client_retainer_month,
    retainer_month,
    retainer_overview,
    this_month,
)
from tests.access_matrix import PERSONAS
from tests.conftest import signed_in_client
from tests.routes_requests import submit_request
from tests.routes_timesheets import MORE_CASES
from tests.test_access_matrix import TENANT_URLCONF, check
from tests.test_webhooks import api_as


def actor_of(world, key) -> Actor:
    user = world.personas[key].user
    return Actor(
        user=user,
        team=TeamMember.objects.filter(user=user).first(),
        client=ClientMember.objects.select_related("company").filter(user=user).first(),
    )


def today(world) -> date:
    with tenant_context(world.acme):
        return actions.agency_today()


def months_back(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def set_retainer(world, company=None, *, hours="10", rollover="none", cap=None, months_ago=0):
    retainer = actions.retainer_set(
        company=company or world.northwind,
        hours_per_month=Decimal(hours),
        rollover=rollover,
        rollover_cap_hours=Decimal(cap) if cap else None,
        actor=world.personas["owner"].user,
    )
    if months_ago:
        # As if it had been set that many months ago.
        Retainer.objects.filter(pk=retainer.pk).update(
            starts_on=months_back(this_month(), months_ago)
        )
        retainer.refresh_from_db()
    return retainer


def log(world, client_request, hours, on: date, *, billable=True, by="staff"):
    return actions.time_log(
        client_request=client_request,
        minutes=int(hours * 60),
        worked_on=on,
        billable=billable,
        actor=world.personas[by].user,
    )


def test_unused_hours_carry_over_month_by_month_up_to_the_cap(world):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        set_retainer(world, rollover="carry", cap="5", months_ago=3)
        now = this_month()
        m3, m2, m1 = (months_back(now, n) for n in (3, 2, 1))
        log(world, client_request, 4, m3 + timedelta(days=2))  # 6 unused: 5 carried (cap)
        log(world, client_request, 14, m2 + timedelta(days=9))  # 15 available: 1 carried
        log(world, client_request, 8, m1)  # 11 available, 12 used: 1 over, none carried
        log(world, client_request, 4, m1 + timedelta(days=20))
        log(world, client_request, 3, now)
        log(world, client_request, 2, now, billable=False)  # not billable: not the retainer's
        owner = actor_of(world, "owner")

        by_month = {m: retainer_month(owner, world.northwind, m) for m in (m3, m2, m1, now)}
        assert [by_month[m].carried_minutes for m in (m3, m2, m1, now)] == [0, 300, 60, 0]
        assert [by_month[m].used_minutes for m in (m3, m2, m1, now)] == [240, 840, 720, 180]
        last = by_month[m1]
        assert (last.available_minutes, last.over_minutes, last.remaining_minutes) == (660, 60, 0)
        assert last.is_over and last.over == "1 h"
        current = by_month[now]
        assert (current.included, current.used, current.remaining) == ("10 h", "3 h", "7 h")
        assert not current.is_over
        # Before the retainer started there is no month at all.
        assert retainer_month(owner, world.northwind, months_back(now, 4)) is None


def test_without_rollover_unused_hours_lapse(world):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        set_retainer(world, hours="7.5", months_ago=1)
        log(world, client_request, 1, months_back(this_month(), 1))
        month = retainer_month(actor_of(world, "admin"), world.northwind)
        assert (month.carried_minutes, month.included, month.remaining) == (
            0,
            "7 h 30 min",
            "7 h 30 min",
        )


def test_a_retainer_is_checked_changed_and_logged(world):
    with tenant_context(world.acme):
        with pytest.raises(ValidationError) as refused:
            set_retainer(world, hours="0", rollover="carry")
        assert set(refused.value.message_dict) == {"hours_per_month", "rollover_cap_hours"}
        assert not Retainer.objects.exists()

        set_retainer(world, hours="10")
        set_retainer(world, hours="12", rollover="carry", cap="4")
        retainer = Retainer.objects.get()
        assert (retainer.hours_per_month, retainer.rollover_cap_hours) == (12, 4)
        assert retainer.starts_on == this_month()
        entries = ActivityEntry.objects.filter(action="retainer.set").order_by("id")
        assert [entry.changes for entry in entries] == [
            {"hours_per_month": "10", "rollover": "none", "rollover_cap_hours": "0"},
            {
                "hours_per_month": ["10", "12"],
                "rollover": ["none", "carry"],
                "rollover_cap_hours": ["0", "4"],
            },
        ]
        assert {entry.company_id for entry in entries} == {world.northwind.pk}
        set_retainer(world, hours="12", rollover="carry", cap="4")  # unchanged: no entry
        assert entries.count() == 2


def test_time_is_checked_before_anything_is_written(world):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        tomorrow = actions.agency_today() + timedelta(days=1)
        with pytest.raises(ValidationError) as refused:
            actions.time_log(
                client_request=client_request,
                minutes=0,
                worked_on=tomorrow,
                actor=world.personas["staff"].user,
            )
        assert set(refused.value.message_dict) == {"minutes", "worked_on"}
        assert not TimeEntry.objects.exists()
        assert not ActivityEntry.objects.filter(action__startswith="time.").exists()


def test_one_running_timer_per_person(world):
    first, second = submit_request(world), submit_request(world, title="Second")
    with tenant_context(world.acme):
        staff, owner = world.personas["staff"].user, world.personas["owner"].user
        with pytest.raises(ValidationError):
            actions.timer_stop(actor=staff)
        entry = actions.timer_start(client_request=first, actor=staff)
        assert entry.is_running and entry.minutes == 0
        with pytest.raises(ValidationError) as refused:
            actions.timer_start(client_request=second, actor=staff)
        assert refused.value.message_dict["timer"] == [
            f"Your timer is running on #{first.pk}; stop it first."
        ]
        actions.timer_start(client_request=second, actor=owner)  # someone else's: fine
        # Twenty-five minutes later:
        TimeEntry.objects.filter(pk=entry.pk).update(
            started_at=entry.started_at - timedelta(minutes=25)
        )
        stopped = actions.timer_stop(actor=staff)
        assert (stopped.pk, stopped.minutes, stopped.is_running) == (entry.pk, 25, False)
        actions.timer_start(client_request=second, actor=staff)  # stopped: a new one may run
        assert TimeEntry.objects.filter(stopped_at__isnull=True).count() == 2
        assert ActivityEntry.objects.filter(action="time.timer_stopped").count() == 1


def test_a_retainer_month_is_seen_only_by_the_company_and_the_team_who_see_it(world):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        set_retainer(world)
        set_retainer(world, world.southwind, hours="20")
        log(world, client_request, 2, actions.agency_today())
        for key in ["client_admin", "viewer", "finance"]:
            month = client_retainer_month(actor_of(world, key))
            assert (month.company, month.used) == (world.northwind, "2 h")
        other = actor_of(world, "other_company")
        assert client_retainer_month(other).company == world.southwind
        assert client_retainer_month(other).used_minutes == 0
        assert retainer_month(other, world.northwind) is None
        # Staff limited to Northwind see its month, not Southwind's; the overview is not theirs.
        staff = actor_of(world, "staff")
        assert retainer_month(staff, world.northwind).used == "2 h"
        assert retainer_month(staff, world.southwind) is None
        assert retainer_overview(staff) == []
        assert client_retainer_month(staff) is None
    with tenant_context(world.globex):
        # Another agency's schema holds none of it.
        assert not Retainer.objects.exists() and not TimeEntry.objects.exists()


def test_the_overview_lists_every_company_in_the_same_queries(world, django_assert_num_queries):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        set_retainer(world, hours="1")
        log(world, client_request, 2, actions.agency_today())
        owner = actor_of(world, "owner")
        with django_assert_num_queries(4):  # the agency's zone, companies, retainers, usage
            rows = retainer_overview(owner)
        by_name = {row.company.name: row.month for row in rows}
        assert by_name["Southwind"] is None
        assert by_name["Northwind"].over == "1 h"
        from tenant_apps.people.models import ClientCompany

        for n in range(10):
            company = ClientCompany.objects.create(name=f"Client {n}")
            set_retainer(world, company, hours="5")
        with django_assert_num_queries(4):
            assert len(retainer_overview(owner)) == len(rows) + 10


# Pages and API


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(MORE_CASES))
def test_more_access_cases(world, case, persona):
    name, matrix_case = MORE_CASES[case]
    check(world, TENANT_URLCONF, "acme.localhost", name, matrix_case, persona)


def test_the_team_logs_time_and_runs_a_timer_on_the_requests_time_page(world):
    client_request = submit_request(world)
    staff = signed_in_client(world.personas["staff"])
    url = f"/requests/{client_request.pk}/time/"
    refused = staff.post(url, {"minutes": "0", "worked_on": "2020-01-01"})
    assert refused.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in refused.content.decode()
    logged = staff.post(
        url, {"minutes": "90", "worked_on": today(world).isoformat(), "billable": "on"}
    )
    assert logged.status_code == 302
    page = staff.get(url).content.decode()
    assert "Logged 1 h 30 min." in page and "<strong>1 h 30 min</strong> logged" in page
    assert staff.post(f"{url}timer/").status_code == 302
    assert "Your timer is running on" in staff.get(url).content.decode()
    stopped = staff.post("/time/timer/stop/")
    assert stopped.status_code == 302 and stopped.url == url
    with tenant_context(world.acme):
        assert not TimeEntry.objects.filter(started_at__isnull=False, stopped_at__isnull=True)
        assert TimeEntry.objects.count() == 2
    # Staff limited to Northwind find no Southwind request to log time on.
    southwind = submit_request(world, by="other_company", company=world.southwind)
    assert staff.get(f"/requests/{southwind.pk}/time/").status_code == 404


def test_owners_set_retainers_on_the_settings_page_and_see_who_is_over(world):
    client_request = submit_request(world)
    owner = signed_in_client(world.personas["owner"])
    refused = owner.post(
        "/settings/retainers/",
        {"company": world.northwind.pk, "hours_per_month": "1", "rollover": "carry"},
    )
    assert "Carrying over needs a cap" in refused.content.decode()
    done = owner.post(
        "/settings/retainers/",
        {"company": world.northwind.pk, "hours_per_month": "1", "rollover": "none"},
    )
    assert done.status_code == 302
    with tenant_context(world.acme):
        log(world, client_request, 1.5, actions.agency_today())
    page = owner.get("/settings/retainers/").content.decode()
    assert "Over by 30 min" in page and "1 client over this month." in page


def test_the_api_logs_time_and_answers_field_errors(world):
    client_request = submit_request(world)
    staff = api_as(world, "staff")
    url = f"/api/v1/requests/{client_request.pk}/time-entries"
    bad = staff.post(url, {"minutes": 0, "worked_on": "soon"}, content_type="application/json")
    assert bad.status_code == 400
    assert set(bad.json()) >= {"minutes", "worked_on"}
    future = (today(world) + timedelta(days=3)).isoformat()
    ahead = staff.post(url, {"minutes": 30, "worked_on": future}, content_type="application/json")
    assert ahead.status_code == 400 and "worked_on" in ahead.json()
    made = staff.post(
        url,
        {"minutes": 45, "worked_on": today(world).isoformat(), "note": "Logo swap"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["minutes"] == 45
    assert [entry["note"] for entry in staff.get(url).json()["results"]] == ["Logo swap"]
    started = staff.post(f"/api/v1/requests/{client_request.pk}/timer")
    assert started.status_code == 201 and started.json()["running"] is True
    again = staff.post(f"/api/v1/requests/{client_request.pk}/timer")
    assert again.status_code == 400 and "timer" in again.json()
    assert staff.get("/api/v1/timer").json()["running"]["id"] == started.json()["id"]
    assert staff.post("/api/v1/timer/stop").json()["running"] is False


def test_the_api_sets_a_retainer_and_its_month_stays_with_its_company(world):
    client_request = submit_request(world)
    owner = api_as(world, "owner")
    url = f"/api/v1/clients/{world.northwind.pk}/retainer"
    bad = owner.put(
        url, {"hours_per_month": 5, "rollover": "carry"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "rollover_cap_hours" in bad.json()
    assert owner.get(url).status_code == 404
    set_ = owner.put(
        url,
        {"hours_per_month": "5", "rollover": "carry", "rollover_cap_hours": "2"},
        content_type="application/json",
    )
    assert set_.status_code == 200 and set_.json()["included_minutes"] == 300
    with tenant_context(world.acme):
        log(world, client_request, 2, actions.agency_today())
    month = api_as(world, "client_admin").get(url).json()
    assert (month["used_minutes"], month["remaining_minutes"]) == (120, 180)
    assert api_as(world, "other_company").get(url).status_code == 404
    rows = owner.get("/api/v1/retainers").json()
    assert {row["company"]["name"]: bool(row["month"]) for row in rows} == {
        "Northwind": True,
        "Southwind": False,
    }
    # Another agency's owner, on their own host, finds no such company.
    outsider = api_as(world, "outsider")
    answer = outsider.get(url, HTTP_HOST=world.personas["outsider"].host)
    assert answer.status_code == 404


def test_the_client_sees_hours_used_and_remaining_on_their_dashboard(world):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        set_retainer(world, hours="10")
        log(world, client_request, 2.5, actions.agency_today())
    home = signed_in_client(world.personas["viewer"]).get("/").content.decode()
    assert "Hours this month" in home
    assert "<strong>2 h 30 min</strong> used of 10 h" in home
    assert "<strong>7 h 30 min</strong> remaining." in home
    other = signed_in_client(world.personas["other_company"]).get("/").content.decode()
    assert "Hours this month" not in other


def test_the_retainer_report_shows_each_clients_month_with_csv(world, django_assert_num_queries):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        set_retainer(world, hours="2")
        set_retainer(world, world.southwind, hours="5", rollover="carry", cap="2")
        log(world, client_request, 2.5, actions.agency_today())
        from tenant_apps.reports.filters import Filters
        from tenant_apps.reports.retainers import retainers

        filters = Filters(start=this_month(), end=actions.agency_today(), zone="UTC")
        with django_assert_num_queries(2):  # the retainers, their usage
            report = retainers(filters)
        rows = {row["client"]: row for row in report.table("by_client").rows}
        assert (rows["Northwind"]["used"], rows["Northwind"]["over"]) == (
            Decimal("2.50"),
            Decimal("0.50"),
        )
        assert rows["Southwind"]["remaining"] == Decimal("5.00")
        assert rows["All"]["available"] == Decimal("7.00")
    owner = signed_in_client(world.personas["owner"])
    export = owner.get("/reports/retainers/by_client.csv")
    assert export.status_code == 200
    lines = export.content.decode().splitlines()
    assert lines[0] == "Client,Hours a month,Carried over,Available,Used,Remaining,Over"
    assert lines[1] == "Northwind,2.0,0.0,2.0,2.5,0.0,0.5"
    assert signed_in_client(world.personas["staff"]).get("/reports/retainers/").status_code == 403


def test_billable_time_becomes_a_draft_invoice_once(world):
    first, second = submit_request(world), submit_request(world, title="Second")
    with tenant_context(world.acme):
        today = actions.agency_today()
        log(world, first, 1.5, today)
        log(world, first, 1, today)
        log(world, second, 0.5, today)
        log(world, second, 3, today, billable=False)  # not billable: never invoiced
        southwind = submit_request(world, by="other_company", company=world.southwind)
        log(world, southwind, 2, today, by="owner")  # another company's: not on this one
    staff = signed_in_client(world.personas["staff"])
    fields = {
        "company": world.northwind.pk,
        "through": today.isoformat(),
        "hourly_rate": "80",
        "currency": "EUR",
        "number": "T-0001",
        "issue_date": today.isoformat(),
        "due_date": (today + timedelta(days=30)).isoformat(),
    }
    made = staff.post("/time/invoice/", fields)
    assert made.status_code == 302
    with tenant_context(world.acme):
        from tenant_apps.invoices.models import Invoice

        invoice = Invoice.objects.get(number="T-0001")
        lines = [(line.description, line.quantity) for line in invoice.lines.order_by("position")]
        assert lines == [
            (f"#{first.pk} {first.title} (2 h 30 min)", Decimal("2.50")),
            (f"#{second.pk} Second (30 min)", Decimal("0.50")),
        ]
        assert invoice.subtotal == Decimal("240.00") and invoice.status == "draft"
        assert TimeEntry.objects.filter(invoice=invoice).count() == 3
        assert ActivityEntry.objects.filter(action="time.invoiced").count() == 1
    # Nothing left to invoice: a form error, no second invoice.
    again = staff.post("/time/invoice/", fields | {"number": "T-0002"})
    assert again.status_code == 200
    assert "No billable time to invoice up to that day." in again.content.decode()
    # Staff limited to Northwind cannot choose Southwind.
    refused = staff.post("/time/invoice/", fields | {"company": world.southwind.pk})
    assert refused.status_code == 200
    with tenant_context(world.acme):
        assert not Invoice.objects.filter(number="T-0002").exists()


def test_the_api_invoices_billable_time_with_field_errors(world):
    client_request = submit_request(world)
    with tenant_context(world.acme):
        today = actions.agency_today()
        log(world, client_request, 2, today)
    staff = api_as(world, "staff")
    url = f"/api/v1/clients/{world.northwind.pk}/time-invoice"
    fields = {
        "through": today.isoformat(),
        "hourly_rate": "50.00",
        "currency": "EUR",
        "number": "T-API-1",
        "issue_date": today.isoformat(),
        "due_date": (today + timedelta(days=14)).isoformat(),
    }
    bad = staff.post(url, fields | {"hourly_rate": "0"}, content_type="application/json")
    assert bad.status_code == 400 and "hourly_rate" in bad.json()
    made = staff.post(url, fields, content_type="application/json")
    assert made.status_code == 201
    assert (made.json()["status"], made.json()["total"]) == ("draft", "100.00")
    again = staff.post(url, fields | {"number": "T-API-2"}, content_type="application/json")
    assert again.status_code == 400 and "through" in again.json()
    southwind = f"/api/v1/clients/{world.southwind.pk}/time-invoice"
    assert staff.post(southwind, fields, content_type="application/json").status_code == 404


def test_the_request_page_links_the_team_to_its_time_and_not_the_client(world):
    request = submit_request(world)
    link = f'href="/requests/{request.pk}/time/"'
    for persona, shown in [("staff", True), ("owner", True), ("client_admin", False)]:
        page = signed_in_client(world.personas[persona]).get(f"/requests/{request.pk}/")
        assert (link in page.content.decode()) is shown, persona

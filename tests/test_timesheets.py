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
from tests.routes_requests import submit_request


def actor_of(world, key) -> Actor:
    user = world.personas[key].user
    return Actor(
        user=user,
        team=TeamMember.objects.filter(user=user).first(),
        client=ClientMember.objects.select_related("company").filter(user=user).first(),
    )


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

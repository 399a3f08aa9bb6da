"""The activity log itself: what an entry records, how it reads, and its tamper evidence."""

from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import tenant_context

from tenant_apps.activity.actions import activity_record
from tenant_apps.activity.descriptions import change_lines, describe
from tenant_apps.activity.models import ActivityEntry
from tenants.models import Agency

# Signing in (force_login, token requests) never logs this one, so tests can count it exactly.
QUIET_ACTION = "client.role_changed"


def record(world, who, action=QUIET_ACTION, *, count=1, target=None, changes=None):
    """Log ``count`` entries by persona ``who`` in acme; returns the last one."""
    with tenant_context(world.acme):
        for _ in range(count):
            entry = activity_record(
                action=action, actor=world.personas[who].user, target=target, changes=changes
            )
    return entry


@pytest.mark.parametrize(
    ("who", "target", "company"),
    [
        ("owner", "northwind", "northwind"),  # the target is the company
        ("owner", "viewer", "northwind"),  # the target is one of its people
        ("other_company", None, "southwind"),  # no target: the actor's company
        ("viewer", "southwind", "southwind"),  # the target's company wins over the actor's
        ("owner", "staff", None),  # team all round: no client
    ],
)
def test_an_entry_names_the_client_company_it_concerns(world, who, target, company):
    objects = {"northwind": world.northwind, "southwind": world.southwind}
    target = objects.get(target) or (world.personas[target].user if target else None)
    entry = record(world, who, target=target)
    assert entry.company_id == (objects[company].pk if company else None)


def test_the_company_is_part_of_the_hash(world):
    entry = record(world, "viewer")
    assert entry.company_id == world.northwind.pk
    assert entry.compute_hash() == entry.entry_hash
    entry.company_id = world.southwind.pk
    assert entry.compute_hash() != entry.entry_hash


def test_known_actions_read_as_sentences_and_unknown_ones_as_their_code():
    assert describe("team.member_added", "Ada Lovelace") == "Added Ada Lovelace to the team"
    assert describe("auth.signed_in", "") == "Signed in"
    assert describe("client.company_created", "") == "Added the client something"
    assert describe("billing.plan_changed", "Acme") == "billing.plan_changed"


def test_changes_read_as_before_and_after_in_words():
    changes = {
        "role": [None, "staff"],
        "companies": [["Northwind"], ["Northwind", "Southwind"]],
        "permission": "activity.view_all",
        "sees_all_clients": False,
    }
    assert change_lines("team.assignments_changed", changes) == [
        "Role: none → Staff",
        "Clients: Northwind → Northwind, Southwind",
        "Sees every client: no",
        "Permission: activity.view_all",  # a key the app gives no words: as it is stored
    ]
    # A client reads only the keys their side may: no internal lists, no undeclared keys.
    assert change_lines("team.assignments_changed", changes, is_client=True) == [
        "Role: none → Staff"
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE activity_activityentry SET action = 'rewritten'",
        "DELETE FROM activity_activityentry",
        # CASCADE, or the foreign keys of decision records would refuse it before the trigger.
        "TRUNCATE activity_activityentry CASCADE",
    ],
)
def test_the_database_refuses_to_change_history(world, statement):
    with tenant_context(world.acme):
        refused = pytest.raises(DatabaseError, match="append-only")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        assert ActivityEntry.objects.exclude(action="rewritten").count() > 1


def test_the_orm_cannot_delete_entries_either(world):
    refused = pytest.raises(DatabaseError, match="append-only")
    with tenant_context(world.acme), refused, transaction.atomic():
        ActivityEntry.objects.filter(action="team.member_added").delete()


@contextmanager
def guard_disabled(world):
    """A cursor on acme's schema with the append-only triggers switched off.

    That is what an attacker with DDL rights would do first; the hash chain must
    catch them anyway. It happens inside the test's transaction, so the rollback
    at the end of the test switches the trigger back on.
    """
    with tenant_context(world.acme), connection.cursor() as cursor:
        # The test's own inserts left deferred foreign-key checks, which block ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            # Both: the one refusing DELETE and the one letting only an erasure UPDATE.
            "ALTER TABLE activity_activityentry DISABLE TRIGGER USER"
        )
        yield cursor


def entry_ids(world) -> list[int]:
    with tenant_context(world.acme):
        return list(ActivityEntry.objects.order_by("id").values_list("id", flat=True))


def verify(world, **options) -> str:
    """Run the command on acme; its output, or CommandError with the output on it."""
    out = StringIO()
    try:
        call_command("verify_activity_log", schema=world.acme.schema_name, stdout=out, **options)
    except CommandError as error:
        error.output = out.getvalue()
        raise
    return out.getvalue()


def test_an_intact_log_verifies_and_prints_its_head(world):
    head = record(world, "admin")
    assert verify(world) == (
        f"{world.acme.schema_name}: intact; head entry {head.pk} {head.entry_hash}\n"
    )


def test_every_agency_is_checked_without_a_schema(world):
    out = StringIO()
    call_command("verify_activity_log", stdout=out)
    assert f"{world.acme.schema_name}: intact" in out.getvalue()
    assert f"{world.globex.schema_name}: intact" in out.getvalue()


def test_a_paused_agency_is_checked_too(world):
    Agency.objects.filter(pk=world.globex.pk).update(is_active=False)
    out = StringIO()
    call_command("verify_activity_log", stdout=out)
    assert f"{world.globex.schema_name}: intact" in out.getvalue()


def test_a_changed_entry_is_the_first_broken_link(world):
    record(world, "admin", count=3)
    ids = entry_ids(world)
    changed = ids[len(ids) // 2]
    with guard_disabled(world) as cursor:
        cursor.execute(
            'UPDATE activity_activityentry SET changes = \'{"role": [null, "owner"]}\' '
            "WHERE id = %s",
            [changed],
        )
    with pytest.raises(CommandError, match="1 agency log") as failure:
        verify(world)
    assert f"broken at entry {changed} " in failure.value.output


def test_a_deleted_middle_entry_breaks_the_link_of_the_next(world):
    record(world, "admin", count=3)
    ids = entry_ids(world)
    deleted, following = ids[len(ids) // 2], ids[len(ids) // 2 + 1]
    with guard_disabled(world) as cursor:
        cursor.execute("DELETE FROM activity_activityentry WHERE id = %s", [deleted])
    with pytest.raises(CommandError) as failure:
        verify(world)
    assert f"broken at entry {following} " in failure.value.output


def test_a_deleted_last_entry_is_caught_only_by_an_anchor(world):
    anchor = record(world, "admin")
    verify(world, anchor=anchor.entry_hash)
    with guard_disabled(world) as cursor:
        cursor.execute("DELETE FROM activity_activityentry WHERE id = %s", [anchor.pk])
    assert ": intact;" in verify(world)  # the chain alone cannot tell
    with pytest.raises(CommandError) as failure:
        verify(world, anchor=anchor.entry_hash)
    assert f"the anchored entry {anchor.entry_hash} is gone" in failure.value.output


def test_an_anchor_belongs_to_one_agency(world):
    with pytest.raises(CommandError, match="--schema"):
        call_command("verify_activity_log", anchor="0" * 64)
    with pytest.raises(CommandError, match="No agency"):
        call_command("verify_activity_log", schema="no_such_schema")

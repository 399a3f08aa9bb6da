"""Client health scores on fixtures whose every signal is known, so the scores are exact."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from tenant_apps.activity.actions import activity_record
from tenant_apps.approvals.models import ApprovalRequest
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.invoices.models import Invoice
from tenant_apps.people.actions import client_company_create
from tenant_apps.reports.health import SIGNALS, Signal, client_health, score_of
from tests.routes_approvals import ask
from tests.routes_invoices import make_invoice
from tests.routes_requests import submit_request


def signed_in_at(user, when):
    """An ``auth.signed_in`` entry for ``user`` written at ``when`` (the log stamps its own
    time, so Django's clock is set back for the write)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        activity_record(action="auth.signed_in", actor=user, target=user)


def request_at(world, company, **fields):
    """A request to ``company`` whose timestamps and SLA columns are then set to ``fields``."""
    client_request = submit_request(world, company=company, by="owner")
    with tenant_context(world.acme):
        blank = dict.fromkeys(["response_due_at", "resolution_due_at", "first_response_at"])
        ClientRequest.objects.filter(pk=client_request.pk).update(**(blank | fields))
    return client_request


@pytest.fixture
def as_of():
    return timezone.now() + timedelta(days=1, hours=1)


@pytest.fixture
def troubled(world, as_of):
    """Northwind: something wrong on every signal as of ``as_of``; nothing 28 days earlier
    but the missing sign-in."""
    day = timedelta(days=1)
    with tenant_context(world.acme):
        approval = ask(world)
        ApprovalRequest.objects.filter(pk=approval.pk).update(created_at=as_of - 12 * day)
    invoice = make_invoice(world, moves=["send"])
    with tenant_context(world.acme):
        Invoice.objects.filter(pk=invoice.pk).update(
            issue_date=(as_of - 40 * day).date(),
            sent_at=as_of - 40 * day,
            due_date=(as_of - 10 * day).date(),
        )
    # Response met, resolution missed (decided when due), reopened once.
    request_at(
        world,
        world.northwind,
        created_at=as_of - 20 * day,
        response_due_at=as_of - 5 * day,
        first_response_at=as_of - 6 * day,
        first_response_seconds=7200,
        resolution_due_at=as_of - 3 * day,
        reopened_count=1,
    )
    # Response missed (never answered); resolution not yet due.
    request_at(
        world,
        world.northwind,
        created_at=as_of - 10 * day,
        response_due_at=as_of - 4 * day,
        resolution_due_at=as_of + 10 * day,
    )
    # Answered twice as fast 40 days ago: the trend's earlier window.
    request_at(
        world,
        world.northwind,
        created_at=as_of - 41 * day,
        first_response_at=as_of - 40 * day,
        first_response_seconds=3600,
    )
    return world.northwind


@pytest.fixture
def steady(world):
    """Southwind: its client admin signed in just now, nothing else."""
    with tenant_context(world.acme):
        signed_in_at(world.personas["other_company"].user, timezone.now())
    return world.southwind


def parts_of(health):
    return {part.signal: (part.value, part.points) for part in health.parts}


def test_every_signal_adds_its_documented_points(world, as_of, troubled, steady):
    with tenant_context(world.acme):
        scores = client_health(as_of=as_of)

    northwind = scores[troubled.pk]
    assert parts_of(northwind) == {
        "approval_age": (12, 9.6),  # (12 - 3) / 14 of 15
        "overdue_invoices": (1, 10.0),  # half of 20
        "sla_missed": (66.7, 20.0),  # 2 of 3 decided targets; beyond 50 %: all 20
        "days_since_sign_in": (None, 15.0),  # never
        "reopened_requests": (1, 2.0),  # 1 / 5 of 10
        "response_trend": (100.0, 10.0),  # median 2 h against 1 h: all 10
        "csat_not_good": (None, 0.0),  # nothing rated
    }
    assert northwind.score == 33  # 100 - 66.6
    # 28 days earlier only the missing sign-in counted.
    assert northwind.previous == 85
    assert northwind.trend == -52

    southwind = scores[steady.pk]
    assert southwind.score == 100
    assert parts_of(southwind)["days_since_sign_in"] == (1, 0.0)
    assert southwind.previous == 85  # before that sign-in, nobody had signed in
    assert southwind.trend == 15


def test_sign_in_ramp_and_archived_companies(world, as_of):
    with tenant_context(world.acme):
        signed_in_at(world.personas["client_admin"].user, as_of - timedelta(days=22, hours=1))
        archived = client_company_create(name="Gone Ltd", actor=world.personas["owner"].user)
        archived.is_archived = True
        archived.save()
        scores = client_health(as_of=as_of)

    assert parts_of(scores[world.northwind.pk])["days_since_sign_in"] == (22, 7.5)  # 15 / 30
    assert scores[world.northwind.pk].score == 92  # 100 - 7.5 = 92.5, to even
    assert archived.pk not in scores


def test_a_paid_invoice_and_a_decided_approval_no_longer_count(world, as_of, troubled):
    with tenant_context(world.acme):
        ApprovalRequest.objects.filter(company=troubled).update(
            status="approved", completed_at=as_of - timedelta(days=1)
        )
        Invoice.objects.filter(company=troubled).update(
            status="paid", paid_at=as_of - timedelta(hours=1)
        )
        health = client_health(company_ids=[troubled.pk], as_of=as_of)

    assert list(health) == [troubled.pk]
    parts = parts_of(health[troubled.pk])
    assert parts["approval_age"] == (0, 0.0)
    assert parts["overdue_invoices"] == (0, 0.0)
    assert health[troubled.pk].score == 33 + 10 + 10  # 9.6 + 10 fewer points, to 53


def test_one_query_whatever_the_number_of_companies(world, as_of, troubled, steady):
    with tenant_context(world.acme):
        for number in range(5):
            client_company_create(name=f"Extra {number}", actor=world.personas["owner"].user)
        with CaptureQueriesContext(connection) as queries:
            scores = client_health(as_of=as_of)

    # The signals of every company at both points in time, in one statement.
    assert len(queries) == 1
    assert len(scores) == 7


def test_weights_add_up_to_100_and_ramps_clamp():
    assert sum(signal.weight for signal in SIGNALS) == 100
    ramp = Signal("x", "X", "days", 10, 2, 6)
    assert [ramp.points(value) for value in (0, 2, 3, 6, 60)] == [0, 0, 2.5, 10, 10]
    assert ramp.points(None) == 0
    worst = dict.fromkeys((signal.key for signal in SIGNALS), 10_000)
    assert score_of(worst)[0] == 0

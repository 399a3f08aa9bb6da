"""A short run of the load harness with leak probes (bench/reliability/load.py; the long run
and its figures: docs/reliability/load.md), in the default suite.

Two agencies of two clients are seeded through the real actions (bench/reliability/
load_seed.py), committed, for the production server (gunicorn with deploy/gunicorn.conf.py)
and a Celery worker to see. One item carries another agency's marker on purpose: a planted
leak, which the people who may open it must report, and only they. Then every seeded person
signs in (page and API: agency 1's people through the forms, agency 2's come with a session
and tokens made beforehand, as in the long run) and works for a few seconds through
bench/reliability/drive.py.
"""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from bench.reliability.load import drive_command
from bench.reliability.load_seed import Shape, credentials, world_seed
from bench.reliability.markers import marker
from tenant_apps.client_requests.actions import request_submit
from tenant_apps.client_requests.models import Priority, RequestType
from tenant_apps.people.models import ClientCompany, ClientMember
from tenants.actions import schema_pool_fill
from tenants.models import Agency
from tests.browser.conftest import _free_port, _healthy
from tests.committed import committed_db  # noqa: F401  (the committed `db`)
from tests.processes import app_process

AGENCIES, COMPANIES = 2, 2
RATE, SECONDS = 8, 10  # tasks per second, seconds of the run
PLANTED = marker(2, 1, "planted")  # agency 2's marker, written into agency 1's client 2
PLANTED_LEAK = PLANTED.rsplit("-", 1)[0]  # as the results name a leaked marker


@pytest.fixture
def world(db, tmp_path):
    """The seeded world as the driver reads it; the agencies are dropped afterwards and the
    spare-schema pool put back as it was."""
    connection.set_schema_to_public()
    live_before = set(Agency.objects.live().values_list("pk", flat=True))
    spares_before = Agency.objects.spares().count()
    try:
        found = world_seed(1, AGENCIES, COMPANIES, Shape(requests=3, documents=1, invoices=1))
        first = found["agencies"][0]
        with tenant_context(Agency.objects.get(schema_name=first["schema"])):
            company = first["companies"]["2"]
            client = ClientCompany.objects.get(pk=company["id"])
            planted = request_submit(
                actor=ClientMember.objects.filter(company=client).first().user,
                company=client,
                type=RequestType.objects.get(key="support"),
                title=f"Copied from elsewhere {PLANTED}",
                details="A title pasted from another workspace.",
                priority=Priority.NORMAL,
            )
            company["requests"].append(planted.pk)
        # Agency 2's people come signed in (as in the long run); agency 1's sign in through
        # the sign-in page and the API's token endpoint.
        signed_in = credentials({"agencies": found["agencies"][1:]})
        for person in found["agencies"][1]["people"]:
            person["credentials"] = signed_in[person["email"]]
        path = tmp_path / "world.json"
        path.write_text(json.dumps(found))
        yield path
    finally:
        connection.set_schema_to_public()
        for agency in Agency.objects.live().exclude(pk__in=live_before):
            agency.delete(force_drop=True)
        for extra in Agency.objects.spares().order_by("-created_at")[spares_before:]:
            extra.delete(force_drop=True)
        schema_pool_fill(size=spares_before)


@pytest.fixture
def server(db, tmp_path):
    port = _free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    with app_process(
        [*gunicorn, "--no-control-socket", "config.wsgi"],
        tmp_path / "server.log",
        ready=lambda: _healthy(port),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    ):
        yield f"http://127.0.0.1:{port}"


def test_the_people_work_without_a_5xx_and_meet_nothing_of_others(
    world, server, celery_worker, tmp_path
):
    out = tmp_path / "result.json"
    options = ["--rate", str(RATE), "--duration", str(SECONDS), "--warm-up", "1"]
    command = drive_command(world, server, out, *options, "--spawn-rate", "50")
    # Its exit status is 1: the planted leak is a leak.
    finished = subprocess.run(
        command, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300
    )
    assert out.exists(), finished.stderr
    result = json.loads(out.read_text())
    run = result["run"]

    assert result["signed_in"] == result["people"] == AGENCIES * (4 + 4 * COMPANIES)
    assert result["sign_in_failures"] == 0
    assert run["requests"] >= 40, run
    assert run["server_errors"] == 0, run["statuses"]
    assert all(int(status) < 500 for status in run["statuses"]), run["statuses"]
    # Every answer was one the person's action expects (a planted leak aside): no 4xx that
    # a valid action should not get, every item the probes may open opened, every other
    # refused.
    failures = [error for error in run["errors"] if "leak" not in error["error"]]
    assert failures == [], failures
    assert result["probe_mismatches"] == []

    # Nothing of another agency, another company, the team's or invoices leaked...
    assert set(result["leaked"]) == {PLANTED_LEAK}, result["leak_examples"]
    # ...and the detector works: the planted marker was reported, by people who may open the
    # request it is in (agency 1's team who see client 2, client 2's people), and only them.
    reporters = {example["person"] for example in result["leak_examples"]}
    assert reporters
    assert all(person.endswith("@ld-01.example") for person in reporters), reporters
    assert not any(person.startswith("limited@") or ".c01@" in person for person in reporters)

    # A probe that never met its own data proves nothing: everyone searched many answers,
    # and met their own agency's and company's markers in them.
    probes = result["probes"]
    assert probes["people_without_own"] == []
    for role, seen in probes["by_role"].items():
        assert seen["checked"] >= 5 * seen["people"], (role, seen)
        assert seen["fewest_with_own"] >= 1, (role, seen)

"""A Celery worker SIGKILLed mid-task, once for each kind of task, by the worker-kill run
(bench/reliability/worker_kill.py, docs/reliability/worker-kill.md) against this run's test
database: every killed task runs again, and no effect is lost or duplicated. The long run is
``.venv/bin/python -m bench.reliability.worker_kill --kills 100``."""

import json
import subprocess
import sys

import pytest
from django.conf import settings

from tests import processes

KINDS = {
    "notification email",
    "text extraction",
    "webhook delivery",
    "SLA sweep",
    "invoice reminder",
}


@pytest.fixture
def db(django_db_setup):
    """The test database without pytest-django's per-test transaction: the run's processes
    write it. (Named ``db`` so pytest-django creates the test database.)"""


def test_a_worker_killed_mid_task_loses_no_effect_and_duplicates_none(db, tmp_path):
    report_path = tmp_path / "report.json"
    harness = [sys.executable, "-m", "bench.reliability.worker_kill"]
    run = subprocess.run(
        [*harness, "--kills", "5", "--json", str(report_path)],
        cwd=settings.BASE_DIR,
        env=processes.test_database_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    kinds = json.loads(report_path.read_text())["kinds"]
    assert set(kinds) == KINDS
    for kind in kinds.values():
        assert kind["kills"] == 1
        assert kind["not_run_again"] == 0  # the killed task came back
        assert kind["expected"] == kind["seen"] == 1
        assert kind["lost"] == kind["duplicated"] == 0
    # The fourth kill took the worker's parent too: its task came back by the broker's
    # visibility timeout, once a new worker was up.
    assert [kind["pool_kills"] for kind in kinds.values()] == [1, 1, 1, 0, 1]
    # Killed after the ESP or the receiver took it, an email or a webhook goes again under
    # the same Message-ID or event id; killed after the task's commit, nothing goes again.
    assert {name: kind["resent"] for name, kind in kinds.items()} == {
        "notification email": 1,
        "text extraction": 0,
        "webhook delivery": 1,
        "SLA sweep": 0,
        "invoice reminder": 0,
    }

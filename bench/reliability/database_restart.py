"""PostgreSQL restarted under load, many times: ``tests/reliability/test_database_restart.py``'s
load test with ``--rounds`` rounds, each a fast restart and a stop-pause-start while two
clients (API) and two team members (pages) read and upload; it prints what was sent and
answered, the worst recovery time, and fails on any 500, trace, late 503, lost or orphaned
file or half-written action.

    .venv/bin/python bench/reliability/database_restart.py --rounds 10

Needs what the test suite needs (DATABASE_URL's server for the test database, Redis); the
restarted PostgreSQL is an embedded one of the test's own.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST = (
    "tests/reliability/test_database_restart.py::"
    "test_requests_during_postgresql_restarts_fail_cleanly_and_the_app_recovers"
)
REPORTED = ("PostgreSQL faults:", "Uploads whose COMMIT", "1 passed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="restart + stop-pause-start pairs")
    rounds = parser.parse_args().rounds
    command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-s", TEST]
    env = os.environ | {"RELIABILITY_PG_ROUNDS": str(rounds)}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    output = run.stdout + run.stderr
    # The report and pytest's verdict; everything on failure (the servers log a lot).
    shown = [line for line in output.splitlines() if line.startswith(REPORTED)]
    print("\n".join(shown) if run.returncode == 0 else output)
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())

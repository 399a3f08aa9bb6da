"""The reliability suite's long runs, one after another: ``python -m bench.reliability``.

Each part is its own command (run one alone with the arguments it documents); this runs them
all at the depths the README records and exits non-zero if any failed. The short versions
of the same checks are in the default suite (tests/reliability/).
"""

import subprocess
import sys
import time

PARTS = {
    "fuzzing (schemathesis, every role)": ["-m", "bench.reliability.fuzz"],
    "Celery workers SIGKILLed mid-task": ["-m", "bench.reliability.worker_kill", "--kills", "100"],
    "PostgreSQL restarted under load": ["bench/reliability/database_restart.py"],
    "Redis stopped under load, a full upload disk": [
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        "tests/reliability/test_redis_outage.py",
        "tests/reliability/test_disk_full.py",
    ],
    "load at twice the peak, with leak probes": ["bench/reliability/load.py"],
}


def main() -> int:
    outcomes = {}
    for name, args in PARTS.items():
        print(f"\n=== {name}: python {' '.join(args)}", flush=True)
        started = time.monotonic()
        code = subprocess.run([sys.executable, *args]).returncode
        outcomes[name] = (code, time.monotonic() - started)
    print("\n=== reliability suite")
    for name, (code, seconds) in outcomes.items():
        print(f"{'passed' if code == 0 else f'FAILED ({code})':<12} {seconds:7.0f} s  {name}")
    return 0 if all(code == 0 for code, _ in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

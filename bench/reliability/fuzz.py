"""The long API fuzzing run (issue 18; docs/reliability/fuzzing.md).

    .venv/bin/python -m bench.reliability.fuzz --examples 10
    .venv/bin/python -m bench.reliability.fuzz --examples 10 --seed 1234   # repeat a run

Runs tests/reliability/test_api_fuzz.py (every role against both hosts' schemas and the
platform's webhooks) with random cases: ``--examples`` per operation, generation mode and
seeded item, and ``--scenarios`` stateful scenarios of up to ``--steps`` calls per role. It
prints the seed, the cases per role and every distinct failure, and exits 1 on any.

Like the test suite it needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL); pytest makes its
own database, named after DATABASE_URL's with "_fuzz" added (test_<name>_fuzz), so a test
run from the same checkout is left alone.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
TESTS = "tests/reliability/test_api_fuzz.py"


def own_database(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_fuzz"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10, help="cases per strategy [10]")
    parser.add_argument("--scenarios", type=int, default=100, help="stateful, per role [100]")
    parser.add_argument("--steps", type=int, default=10, help="calls per scenario, at most [10]")
    parser.add_argument("--seed", type=int, help="Hypothesis's seed; random if left out")
    parser.add_argument("-k", dest="select", help="only these tests (pytest -k), e.g. operator")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL (and REDIS_URL) as for the test suite.")
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        report_path = Path(folder) / "report.jsonl"
        env = os.environ | {
            "DATABASE_URL": own_database(os.environ["DATABASE_URL"]),
            "FUZZ_EXAMPLES": str(args.examples),
            "FUZZ_SCENARIOS": str(args.scenarios),
            "FUZZ_STEPS": str(args.steps),
            "FUZZ_SEED": str(seed),
            "FUZZ_REPORT": str(report_path),
        }
        command = [sys.executable, "-m", "pytest", TESTS, "-q", "-n", "0", "-p", "no:cacheprovider"]
        command += ["-k", args.select] if args.select else []
        print(
            f"API fuzzing: --examples {args.examples} --scenarios {args.scenarios} "
            f"--steps {args.steps} --seed {seed} (load {os.getloadavg()[0]:.2f})",
            flush=True,
        )
        started = time.monotonic()
        tests = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        minutes = (time.monotonic() - started) / 60
        reported = report_path.read_text() if report_path.exists() else ""
    tallies = [json.loads(line) for line in reported.splitlines()]
    print(summary(tallies, minutes))
    if tests.returncode and not any(tally["failures"] for tally in tallies):
        print(tests.stdout[-8000:], tests.stderr[-3000:])  # a test broke before it reported
    return 1 if tests.returncode else 0


def summary(tallies: list[dict], minutes: float) -> str:
    lines = [
        f"{'role':<20}{'cases':>9}{'in scenarios':>14}{'minutes':>9}  status codes",
    ]
    total = failures = 0
    for tally in tallies:
        for role, figures in tally["roles"].items():
            cases, calls = figures["cases"], figures["scenario_calls"]
            total += cases + calls
            codes = " ".join(f"{code}:{n}" for code, n in figures["statuses"].items())
            lines.append(f"{role:<20}{cases:>9}{calls:>14}{figures['seconds'] / 60:>9.1f}  {codes}")
        failures += len(tally["failures"])
        lines += tally["failures"]
    lines.append(f"{total} calls in {minutes:.1f} minutes; {failures} failures")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

"""Runs the load run's people (bench/reliability/locustfile.py) against a server, in this
process with locust as a library, and writes what happened as JSON.

    python -m bench.reliability.drive --world WORLD.json --url http://127.0.0.1:PORT \\
        --out RESULT.json (--rate TASKS_PER_S | --find-peak) [--duration S]

Every person opens the app first (signing in through the page and the API when the world
holds no session and tokens for them), then a warm-up. With --find-peak the rate
climbs in steps (--first-rate, times --step-factor, --step-seconds each) while a step keeps the
p95 of all its requests at or under --p95-ms and answers no 5xx (or, when the first step
misses, steps down until one keeps it); the last such step's rate is the peak, and the run
goes at twice it. Each step (after SETTLE_SECONDS at its rate) and the run are measured
apart: locust's statistics reset at their start.
"""

import argparse
import json
import logging
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import gevent
from locust.env import Environment
from locust.log import setup_logging

from bench.reliability.locustfile import ClientPerson, Run, TeamPerson

PERCENTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
SIGN_IN_SECONDS = 600
LOWEST_RATE = 0.5  # tasks per second: the peak search steps no lower
# Unmeasured, after the rate changes: what a missed step left queued drains meanwhile.
SETTLE_SECONDS = 10


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", required=True, type=Path)
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--rate", type=float, help="tasks per second of the run")
    parser.add_argument("--find-peak", action="store_true")
    parser.add_argument("--duration", type=float, default=300, help="seconds of the run")
    parser.add_argument("--warm-up", type=float, default=30)
    parser.add_argument("--first-rate", type=float, default=4)
    parser.add_argument("--step-factor", type=float, default=1.5)
    parser.add_argument("--step-seconds", type=float, default=40)
    parser.add_argument("--p95-ms", type=float, default=500)
    parser.add_argument("--spawn-rate", type=float, default=10)
    args = parser.parse_args()
    if (args.rate is None) == (not args.find_peak):
        parser.error("give --rate or --find-peak")
    setup_logging("WARNING")
    logging.getLogger("locust").setLevel(logging.ERROR)

    Run.configure(
        json.loads(args.world.read_text()), args.first_rate if args.find_peak else args.rate
    )
    env = Environment(user_classes=[ClientPerson, TeamPerson], host=args.url)
    runner = env.create_local_runner()
    people = Run.people()
    started = time.monotonic()
    runner.start(people, spawn_rate=args.spawn_rate)
    while Run.tally.signed_in < people and time.monotonic() - started < SIGN_IN_SECONDS:
        gevent.sleep(1)
    result = {
        "people": people,
        "signed_in": Run.tally.signed_in,
        "sign_in_failures": Run.tally.sign_in_failures,
        "sign_in_seconds": round(time.monotonic() - started, 1),
        "phases": [],
    }
    if Run.tally.signed_in == people:
        gevent.sleep(args.warm_up)
        run_rate = args.rate
        if args.find_peak:
            peak = find_peak(env, args, result["phases"])
            result["peak"] = peak
            run_rate = 2 * peak["offered_tasks_per_s"]
        Run.tasks_per_second = run_rate
        result["run"] = measure(env, "run", args.duration)
    runner.quit()
    tally = Run.tally
    result["leaks"] = tally.leaks
    result["leaked"] = dict(tally.leaked)
    result["leak_examples"] = tally.leak_examples
    result["probe_mismatches"] = [
        {"request": name, "answer": why, "count": count}
        for (name, why), count in tally.probe_mismatches.most_common()
    ]
    result["probes"] = probe_summary(tally)
    args.out.write_text(json.dumps(result, indent=1))
    failed = tally.leaks or tally.sign_in_failures or result["signed_in"] < people
    failed = failed or any(phase["server_errors"] for phase in result["phases"])
    failed = failed or result.get("run", {}).get("server_errors", 1)
    sys.exit(1 if failed else 0)


def find_peak(env, args, phases: list) -> dict:
    """The last step that met the goal, climbing from --first-rate while steps meet it, or
    stepping down when the first one missed (the lowest step, marked, when none did)."""

    def step(rate: float) -> dict:
        Run.tasks_per_second = rate
        gevent.sleep(SETTLE_SECONDS)
        found = measure(env, f"step at {rate:.3g} tasks/s", args.step_seconds)
        found["met"] = found["p95"] <= args.p95_ms and not found["server_errors"]
        phases.append(found)
        print(
            f"   {found['name']}: {found['req_per_s']:.1f} req/s, p95 {found['p95']:.0f} ms, "
            f"{found['tasks_per_s']:.1f} tasks/s started, load {found['load']['mean']:.1f}: "
            + ("met" if found["met"] else "missed"),
            flush=True,
        )
        return found

    rate = args.first_rate
    peak = step(rate)
    if peak["met"]:
        while (higher := step(rate := rate * args.step_factor))["met"]:
            peak = higher
        return peak
    while rate / args.step_factor >= LOWEST_RATE:
        lower = step(rate := rate / args.step_factor)
        if lower["met"]:
            return lower
    return dict(phases[-1], below_goal=True)


def measure(env, name: str, seconds: float) -> dict:
    """Runs ``seconds`` at the current rate; this phase's figures."""
    tally = Run.tally
    env.stats.reset_all()
    tally.statuses.clear()
    tally.conflicts.clear()
    tasks_before, leaks_before = tally.tasks, tally.leaks
    cpu_before = _own_cpu()
    started = time.monotonic()
    loads = []
    while (elapsed := time.monotonic() - started) < seconds:
        gevent.sleep(min(5, seconds - elapsed))
        loads.append(os.getloadavg()[0])
    elapsed = time.monotonic() - started
    total = env.stats.total
    statuses = _by_status(tally.statuses)
    phase = {
        "name": name,
        "seconds": round(elapsed, 1),
        "offered_tasks_per_s": Run.tasks_per_second,
        "tasks_per_s": (tally.tasks - tasks_before) / elapsed,
        "requests": total.num_requests,
        "req_per_s": total.num_requests / elapsed,
        **{key: total.get_response_time_percentile(p) for key, p in PERCENTILES.items()},
        "failures": total.num_failures,
        "statuses": statuses,
        "server_errors": sum(count for status, count in statuses.items() if int(status) >= 500),
        "conflicts": dict(tally.conflicts),
        "leaks": tally.leaks - leaks_before,
        "load": {
            "min": min(loads),
            "mean": statistics.fmean(loads),
            "max": max(loads),
        },
        "driver_cpu_per_s": (_own_cpu() - cpu_before) / elapsed,
        "errors": [
            {"request": error.name, "error": str(error.error), "count": error.occurrences}
            for error in env.stats.errors.values()
        ],
    }
    phase["endpoints"] = [
        {
            "name": entry.name,
            "requests": entry.num_requests,
            "req_per_s": entry.num_requests / elapsed,
            **{key: entry.get_response_time_percentile(p) for key, p in PERCENTILES.items()},
            "max": entry.max_response_time,
            "failures": entry.num_failures,
            "statuses": _by_status(
                {key: count for key, count in tally.statuses.items() if key[0] == entry.name}
            ),
        }
        for entry in sorted(env.stats.entries.values(), key=lambda entry: entry.name)
    ]
    return phase


def probe_summary(tally) -> dict:
    """How many responses each person searched, and how many held their own markers: a
    probe that never meets its own proves nothing."""
    people = [person for agency in Run.world["agencies"] for person in agency["people"]]
    by_role = {}
    for person in people:
        role = by_role.setdefault(
            person["role"], {"people": 0, "checked": 0, "with_own": 0, "fewest_with_own": None}
        )
        checked, own = tally.checked[person["email"]], tally.own[person["email"]]
        role["people"] += 1
        role["checked"] += checked
        role["with_own"] += own
        fewest = role["fewest_with_own"]
        role["fewest_with_own"] = own if fewest is None else min(fewest, own)
    return {
        "checked": sum(tally.checked.values()),
        "with_own": sum(tally.own.values()),
        "people_without_own": [p["email"] for p in people if not tally.own[p["email"]]],
        "by_role": by_role,
    }


def _by_status(counts: dict) -> dict:
    found = {}
    for (_, status), count in counts.items():
        found[str(status)] = found.get(str(status), 0) + count
    return dict(sorted(found.items()))


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()

"""API fuzzing with schemathesis, in this process (issue 18; docs/reliability/fuzzing.md).

Each role fuzzes the OpenAPI schema its host serves through Django's own WSGI handler: the
real middleware, routing by Host, PostgreSQL schemas and policy, on the test database, in the
test's transaction. Every case (and every stateful scenario) runs in a savepoint rolled back
after it, so a case that signs its caller out everywhere, erases a person or closes the agency
leaves the next one the same world, and a run is reproducible from its seed.

A case fails when the app raises (a 500), when its answer breaks the schema (status code,
content type, body), or when the body holds a marker of data the role must not see.
"""

import json
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.errors import NoLinksFound
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SCHEMA_PATH = "/api/schema/"


@dataclass(frozen=True)
class Role:
    """Who calls, where, and which markers (lower case) no answer to them may hold."""

    name: str
    host: str
    headers: Callable[[], dict]  # fresh credentials: access tokens last 15 minutes
    forbidden: tuple[str, ...]
    # Path parameters of items seeded for the marker check, offered beside generated ones so
    # cases reach real items, including those of companies the role must not see.
    known_paths: tuple[dict, ...] = ()
    # Headers that authenticate a body (a webhook's signature), given the bytes sent.
    signer: Callable[[bytes], dict] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"


@dataclass
class Failure:
    role: str
    operation: str
    check: str
    status: int
    detail: str
    where: str = ""  # for a raised exception: its type and the line that raised it

    def __str__(self):
        return (
            f"[{self.role}] {self.operation} → {self.status}: {self.check} {self.where}\n"
            f"{self.detail}"
        )


@dataclass
class Tally:
    """Per role: the cases sent on their own and the calls made in stateful scenarios, the
    answers' status codes, the seconds taken; and each distinct failure once."""

    cases: Counter = field(default_factory=Counter)
    scenario_calls: Counter = field(default_factory=Counter)
    statuses: dict = field(default_factory=dict)  # role -> Counter of status codes
    seconds: Counter = field(default_factory=Counter)
    cpu_seconds: Counter = field(default_factory=Counter)  # this process's: the load-free figure
    failures: dict = field(default_factory=dict)

    def fail(self, failure: Failure) -> None:
        key = (failure.role, failure.operation, failure.check, failure.status, failure.where)
        self.failures.setdefault(key, failure)

    def total(self, role: str) -> int:
        return self.cases[role] + self.scenario_calls[role]

    def as_json(self) -> dict:
        return {
            "roles": {
                role: {
                    "cases": self.cases[role],
                    "scenario_calls": self.scenario_calls[role],
                    "seconds": round(self.seconds[role], 1),
                    "cpu_seconds": round(self.cpu_seconds[role], 1),
                    "statuses": {str(code): n for code, n in sorted(counts.items())},
                }
                for role, counts in self.statuses.items()
            },
            "failures": [str(failure) for failure in self.failures.values()],
        }


@dataclass
class Depth:
    """How hard to fuzz: examples per operation (per generation mode) and stateful scenarios of
    up to ``steps`` calls; ``seed`` None derandomizes Hypothesis (the same cases every run)."""

    examples: int
    scenarios: int
    steps: int
    seed: int | None = None

    def settings(self, **extra) -> settings:
        return settings(
            database=None,
            deadline=None,
            derandomize=self.seed is None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            print_blob=False,
            **extra,
        )

    def seeded(self, test):
        return test if self.seed is None else seed(self.seed)(test)


class InProcessApp(WSGIHandler):
    """Django's WSGI handler serving requests on this thread's connection, inside the test's
    transaction: like the test client, it keeps Django from closing that connection at each
    request's start and end (the test client connects those receivers again after each of its
    own requests). It keeps the exception a view raised (Django answered 500) for the report."""

    def __init__(self):
        super().__init__()
        self.raised = None
        got_request_exception.connect(self._keep, weak=False)

    def _keep(self, sender, **kwargs):
        self.raised = sys.exc_info()[1]

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        return super().__call__(environ, start_response)

    def close(self):
        got_request_exception.disconnect(self._keep)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@contextmanager
def wsgi_app():
    app = InProcessApp()
    try:
        yield app
    finally:
        app.close()


def load_schema(app, host: str):
    """The schema ``host`` serves, bound to ``app``."""
    return schemathesis.openapi.from_wsgi(
        SCHEMA_PATH, app, headers={"Host": host, "Accept": "application/json"}
    )


def schema_from_dict(raw: dict, app):
    """A schema we describe ourselves (tests/reliability/webhooks_schema.py), bound to ``app``."""
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    return schema


def _leaks(text: str, forbidden: tuple[str, ...]) -> list[str]:
    lowered = text.lower()
    return [marker for marker in forbidden if marker in lowered]


def _check(case, response, role: Role, headers: dict, app, tally: Tally) -> None:
    label = case.operation.label
    tally.statuses.setdefault(role.name, Counter())[response.status_code] += 1
    if app.raised is not None:
        raised, app.raised = app.raised, None
        trace = "".join(traceback.format_exception(raised))
        frame = traceback.extract_tb(raised.__traceback__)[-1]
        where = f"{type(raised).__name__} at {frame.filename}:{frame.lineno}"
        status = response.status_code
        tally.fail(Failure(role.name, label, "the view raised", status, trace[-3000:], where))
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            detail = f"{failure.title}: {failure.message}\n{case.as_curl_command(headers)}"
            tally.fail(Failure(role.name, label, failure.title, response.status_code, detail))
    text = response.content.decode("utf-8", "replace")  # files and PDFs too
    leaked = _leaks(text, role.forbidden)
    if leaked:
        detail = f"{leaked} in {text[:1500]}\n{case.as_curl_command(headers)}"
        tally.fail(Failure(role.name, label, "another's data", response.status_code, detail))


def call_and_check(case, role: Role, app, tally: Tally, headers: dict | None = None) -> None:
    """One case in a savepoint of its own, rolled back after it."""
    headers = headers or role.headers()
    body = {}
    if role.signer is not None and not isinstance(case.body, NotSet):
        sent = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
        headers = headers | role.signer(sent)
        body = {"data": sent}
    with transaction.atomic():
        response = case.call(base_url=role.base_url, headers=headers, **body)
        tally.cases[role.name] += 1
        _check(case, response, role, headers, app, tally)
        transaction.set_rollback(True)


def operation_strategies(operation, role: Role) -> list:
    """Cases with generated data, valid and not, and valid ones whose path names seeded items."""
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    names = {parameter.name for parameter in operation.path_parameters}
    for known in role.known_paths:
        if names and names <= known.keys():
            chosen = {name: known[name] for name in names}
            strategies.append(operation.as_strategy(path_parameters=chosen))
    return strategies


def fuzz_operation(operation, role: Role, app, depth: Depth, tally: Tally) -> None:
    """``depth.examples`` cases per generation mode and known path of one operation."""
    strategies = operation_strategies(operation, role)
    # One credential per operation: fresh, and made outside the cases' savepoints.
    headers = role.headers()

    @depth.settings(max_examples=depth.examples * len(strategies))
    @given(case=st.one_of(strategies))
    def fuzz(case):
        call_and_check(case, role, app, tally, headers)

    depth.seeded(fuzz)()


def fuzz_operations(schema, role: Role, app, depth: Depth, tally: Tally) -> None:
    for result in schema.get_all_operations():
        fuzz_operation(result.ok(), role, app, depth, tally)


def fuzz_stateful(schema, role: Role, app, depth: Depth, tally: Tally) -> None:
    """Scenarios that follow the links between operations (inferred by schemathesis from the
    responses' fields and the paths' parameters): an item made or listed feeds the next call."""
    if not depth.scenarios:
        return

    class Scenario(schema.as_state_machine()):
        def setup(self):
            self.headers = role.headers()
            self.savepoint = transaction.atomic()
            self.savepoint.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.savepoint.__exit__(None, None, None)

        def get_call_kwargs(self, case):
            return {"base_url": role.base_url, "headers": self.headers}

        def validate_response(self, response, case, **kwargs):
            tally.scenario_calls[role.name] += 1
            _check(case, response, role, self.headers, app, tally)

    scenarios = depth.settings(max_examples=depth.scenarios, stateful_step_count=depth.steps)
    with suppress(NoLinksFound):  # the webhooks: each call stands alone
        schemathesis.stateful.run_state_machine_as_test(depth.seeded(Scenario), settings=scenarios)


def fuzz_role(schema, role: Role, app, depth: Depth, tally: Tally) -> None:
    started, cpu = time.monotonic(), time.process_time()
    # Generated tokens and session cookies only for who sends none (the others' own go first).
    anonymous = "Authorization" not in role.headers()
    schema.config.generation.update(with_security_parameters=anonymous)
    fuzz_operations(schema, role, app, depth, tally)
    fuzz_stateful(schema, role, app, depth, tally)
    tally.seconds[role.name] += time.monotonic() - started
    tally.cpu_seconds[role.name] += time.process_time() - cpu


def report(tally: Tally) -> str:
    lines = [
        f"{role}: {tally.cases[role]} cases, {tally.scenario_calls[role]} calls in scenarios "
        f"({tally.seconds[role]:.1f} s, {tally.cpu_seconds[role]:.1f} s CPU); "
        f"status codes {dict(sorted(counts.items()))}"
        for role, counts in tally.statuses.items()
    ]
    return "\n".join(lines + [str(failure) for failure in tally.failures.values()])


def depth_from(environ, default: Depth) -> Depth:
    """The long run's depth (bench/reliability/fuzz.py sets FUZZ_*), else ``default``."""
    if "FUZZ_EXAMPLES" not in environ:
        return default
    return Depth(
        examples=int(environ["FUZZ_EXAMPLES"]),
        scenarios=int(environ["FUZZ_SCENARIOS"]),
        steps=int(environ["FUZZ_STEPS"]),
        seed=int(environ["FUZZ_SEED"]),
    )


def record(tally: Tally, environ) -> None:
    """Append ``tally`` to the long run's report (FUZZ_REPORT, JSON lines), if there is one."""
    if "FUZZ_REPORT" in environ:
        with open(environ["FUZZ_REPORT"], "a") as report_file:
            report_file.write(json.dumps(tally.as_json()) + "\n")

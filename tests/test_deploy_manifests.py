"""deploy/: the Dockerfile, the Compose file and the Kubernetes manifests, checked without a
Docker daemon or a cluster (deploy/README.md says how to build and run them)."""

import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from shared_apps.core.probes import PROBES
from tests.test_dev_script import dev

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
# The oldest Kubernetes the manifests are meant for (autoscaling/v2, policy/v1 and more).
KUBERNETES_VERSION = "1.30.0"
ENTRYPOINT = DEPLOY / "entrypoint.sh"
PORTAL_IMAGE = "client-portal"


def manifests() -> list[Path]:
    return sorted(path for path in KUBERNETES.glob("*.yaml") if path.name != "kustomization.yaml")


@cache
def kubernetes_objects() -> list[dict]:
    return [
        document
        for path in manifests()
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def objects_of(kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in kubernetes_objects() if o["kind"] == kind}


@cache
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def portal_services() -> dict[str, dict]:
    """The Compose services that run the portal's image."""
    services = compose()["services"]
    return {name: s for name, s in services.items() if s.get("image", "").startswith(PORTAL_IMAGE)}


def entrypoint_roles() -> set[str]:
    """The roles deploy/entrypoint.sh's `case` answers (its `name)` lines)."""
    return set(re.findall(r"^([a-z-]+)\)$", ENTRYPOINT.read_text(), re.MULTILINE))


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, (INSTRUCTION, arguments), split into its stages."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def test_yaml_files_pass_yamllint():
    result = subprocess.run(
        [dev.VENV_BIN / "yamllint", "--strict", "-c", DEPLOY / ".yamllint", DEPLOY],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", manifests(), ids=lambda path: path.name)
def test_kubernetes_manifests_match_the_api_schemas_strictly(path):
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_strict_schema_check_refuses_an_unknown_field():
    web = json.loads(json.dumps(objects_of("Deployment")["portal-web"]))
    web["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [path.name for path in manifests()]


def test_checkov_finds_nothing_in_the_kubernetes_manifests_and_the_dockerfile():
    """One checkov run for all the files (it takes seconds to start); skips: deploy/.checkov.yaml
    and checkov.io/skip annotations, each with its reason."""
    checkov = dev.CHECKOV_VENV / "bin" / "checkov"
    if not checkov.exists():
        pytest.fail(f"{checkov} is missing: `python3 dev.py test` installs {dev.CHECKOV}.")
    result = subprocess.run(
        [
            *(checkov, "--config-file", DEPLOY / ".checkov.yaml"),
            *("-f", ROOT / "Dockerfile", *manifests()),
            *("--framework", "kubernetes", "dockerfile"),
            *("--skip-download", "--quiet", "--output", "json"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]  # a list when several types
    summaries = {report["check_type"]: report["summary"] for report in reports}
    assert summaries.keys() == {"kubernetes", "dockerfile"}, result.stdout[:2000]
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']})"
        for report in reports
        for check in report["results"]["failed_checks"]
    ]
    assert not failed, failed
    assert all(summary["passed"] > 0 for summary in summaries.values())


def test_compose_file_matches_the_compose_specification():
    # tests/compose-spec.json: github.com/compose-spec/compose-spec, schema/compose-spec.json.
    schema = json.loads((ROOT / "tests" / "compose-spec.json").read_text())
    errors = [
        f"{error.json_path}: {error.message}"
        for error in jsonschema.Draft7Validator(schema).iter_errors(compose())
    ]
    assert not errors, errors


def test_compose_runs_two_web_one_beat_and_migrations_first():
    services = compose()["services"]
    portal = {
        name: s for name, s in services.items() if s.get("image", "").startswith(PORTAL_IMAGE)
    }
    roles = {name: service["command"][0] for name, service in portal.items()}
    assert roles == {
        "migrate": "migrate",
        "web-1": "web",
        "web-2": "web",
        "worker": "worker",
        "beat": "beat",
    }
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("web-1", "web-2", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    # Caddy hashes each Host to one of exactly these upstreams.
    assert services["caddy"]["environment"]["APP"].split() == ["web-1:8000", "web-2:8000"]
    long_running = set(services) - {"migrate", "s3-bucket"}
    assert all("healthcheck" in services[name] or name.startswith("web-") for name in long_running)
    declared = set(compose()["secrets"])
    used = {secret for service in services.values() for secret in service.get("secrets", [])}
    assert used == declared


def test_compose_and_kubernetes_use_only_roles_the_entrypoint_knows():
    assert {"web", "worker", "beat", "migrate", "manage"} <= entrypoint_roles()
    subprocess.run(["sh", "-n", ENTRYPOINT], check=True)
    used = {service["command"][0] for service in portal_services().values()}
    for workload in kubernetes_objects():
        if workload["kind"] in ("Deployment", "Job"):
            for container in workload["spec"]["template"]["spec"]["containers"]:
                used.add(container["args"][0])
                probe = container.get("livenessProbe", {}).get("exec", {}).get("command", [])
                used |= {probe[1]} if probe else set()
    assert used <= entrypoint_roles()


# Stock Caddy has no DNS provider module for the wildcard certificate's challenge (the
# production build adds one): those blocks are left out of what `caddy adapt` reads.
DNS_CHALLENGE = re.compile(r"\ttls \{\n\t\tdns [^\n]*\n\t\}\n")


def caddy_config(tmp_path, name: str) -> dict:
    """deploy/<name> adapted to Caddy's JSON, with compose.yaml's two web upstreams."""
    for caddyfile in ("Caddyfile", "compose.Caddyfile"):
        text = (DEPLOY / caddyfile).read_text()
        assert DNS_CHALLENGE.search(text), caddyfile
        (tmp_path / caddyfile).write_text(DNS_CHALLENGE.sub("", text))
    env = os.environ | {
        "PLATFORM_DOMAIN": "portal.example.com",
        "DOMAIN_ALLOWED_SECRET": "s3cret",
        "APP": compose()["services"]["caddy"]["environment"]["APP"],
    }
    adapted = subprocess.run(
        [dev.CADDY, "adapt", "--adapter", "caddyfile", "--config", tmp_path / name],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(adapted.stdout)


def handlers(routes: list[dict], kind: str) -> list[dict]:
    """Every handler of ``kind`` in ``routes``, subroutes included."""
    found = []
    for route in routes:
        for handler in route.get("handle", []):
            if handler["handler"] == kind:
                found.append(handler)
            found += handlers(handler.get("routes", []), kind)
    return found


def test_caddy_pins_each_host_to_one_web_instance_and_fails_over(tmp_path):
    config = caddy_config(tmp_path, "compose.Caddyfile")
    servers = config["apps"]["http"]["servers"].values()
    routes = [route for server in servers for route in server["routes"]]
    proxies = handlers(routes, "reverse_proxy")
    portal = [proxy for proxy in proxies if proxy["upstreams"][0]["dial"] != "s3:9000"]
    assert len(portal) == 3  # the ask listener, the platform and agency hosts, custom domains
    for proxy in portal:
        assert proxy["upstreams"] == [{"dial": "web-1:8000"}, {"dial": "web-2:8000"}]
        assert proxy["load_balancing"]["selection_policy"] == {"policy": "header", "field": "Host"}
        assert proxy["load_balancing"]["try_duration"] == 5_000_000_000  # ns
        assert proxy["health_checks"]["active"]["uri"] == "/healthz/ready"
    # /internal/* is answered 404 on the public sites, before any proxying.
    refusals = handlers(routes, "static_response")
    assert len(refusals) == 2 and all(r["status_code"] == 404 for r in refusals)
    tls = config["apps"]["tls"]["automation"]
    assert tls["on_demand"]["ask"] == "http://127.0.0.1:8001/internal/domain-allowed"
    media = [
        route for route in routes if route.get("match") == [{"host": ["media.portal.example.com"]}]
    ]
    assert handlers(media, "reverse_proxy")[0]["upstreams"] == [{"dial": "s3:9000"}]


def test_dockerfile_builds_in_two_stages_and_runs_unprivileged():
    builder, final = dockerfile_stages()
    assert builder[0] == ("FROM", "python:3.13-slim AS builder")
    assert any(i == "RUN" and "pip install" in a and "/opt/venv" in a for i, a in builder)
    assert final[0] == ("FROM", "python:3.13-slim")
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final
    runs = " ".join(arguments for instruction, arguments in final if instruction == "RUN")
    assert "manage.py collectstatic --noinput" in runs
    users = [arguments for instruction, arguments in final if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    # The USER comes after every RUN: nothing at run time is root's.
    assert max(i for i, (instruction, _) in enumerate(final) if instruction == "RUN") < max(
        i for i, (instruction, _) in enumerate(final) if instruction == "USER"
    )
    (healthcheck,) = [arguments for instruction, arguments in final if instruction == "HEALTHCHECK"]
    assert "/healthz/live" in healthcheck
    assert ("ENTRYPOINT", '["/app/deploy/entrypoint.sh"]') in final


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".data", "staticfiles", "tests"} <= ignored


def test_kubernetes_probes_are_the_apps_probes():
    # The metrics endpoint is answered the same way, for Prometheus (deploy/prometheus.yml).
    assert set(PROBES) == {"/healthz/live", "/healthz/ready", "/internal/metrics"}
    (container,) = objects_of("Deployment")["portal-web"]["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz/live"


def test_kubernetes_workloads_are_locked_down():
    deployments = objects_of("Deployment")
    assert deployments["portal-beat"]["spec"] == deployments["portal-beat"]["spec"] | {
        "replicas": 1,
        "strategy": {"type": "Recreate"},
    }
    for workload in [*deployments.values(), *objects_of("Job").values()]:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        tmp = {volume["name"]: volume for volume in pod["volumes"]}["tmp"]
        assert "emptyDir" in tmp
        for container in pod["containers"]:
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }
            assert {"requests", "limits"} <= container["resources"].keys()
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
            assert container["image"].startswith(f"{PORTAL_IMAGE}:")
    autoscaled = {
        o["spec"]["scaleTargetRef"]["name"] for o in objects_of("HorizontalPodAutoscaler").values()
    }
    budgeted = {o["metadata"]["name"] for o in objects_of("PodDisruptionBudget").values()}
    assert autoscaled == budgeted == {"portal-web", "portal-worker"}

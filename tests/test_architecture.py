"""The floor plan's layer contracts (pyproject.toml, run by `lint-imports`) hold every app,
so a new app cannot stay outside them."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"
]


def _layered(name_start: str) -> set[str]:
    contract = next(c for c in CONTRACTS if c["name"].startswith(name_start))
    return {name.strip() for layer in contract["layers"] for name in layer.split("|")}


def _packages(folder: str) -> set[str]:
    return {path.parent.name for path in (ROOT / folder).glob("*/__init__.py")}


def test_every_agency_app_has_its_layer():
    assert _layered("The agency side in layers") == _packages("tenant_apps")


def test_every_public_app_has_its_layer():
    shared = {f"shared_apps.{name}" for name in _packages("shared_apps")}
    assert _layered("The public core in layers") == shared | {
        "tenants",
        "billing",
        "branding",
        "operators",
    }

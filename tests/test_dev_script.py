"""dev.py, the README's commands: what it does before the first test when Chromium is missing."""

import importlib.util
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "dev", Path(__file__).resolve().parent.parent / "dev.py"
)
dev = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(dev)


def test_chromium_in_place_is_used_as_it_is(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.touch()
    dev.ensure_chromium(chromium, may_install=False)  # returns: nothing to do


def test_without_chromium_and_no_way_to_install_it_stops_with_the_command(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        dev.ensure_chromium(tmp_path / "chromium", may_install=False)
    assert stopped.value.code == 1
    said = capsys.readouterr().err
    assert f"the browser tests need Chromium at {tmp_path / 'chromium'}" in said
    assert "sudo apt-get install -y chromium" in said

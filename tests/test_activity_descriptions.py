"""Every action code the code writes has words in the log, not just its raw code."""

import re
from pathlib import Path

from tenant_apps.activity.descriptions import ACTIONS

ROOT = Path(__file__).resolve().parent.parent
APP_FOLDERS = ["tenant_apps", "shared_apps", "tenants", "branding", "billing"]
ACTION_CODE = re.compile(r'\baction="([a-z_]+\.[a-z_.]+)"')


def test_every_logged_action_code_is_described():
    written = {
        code: path.relative_to(ROOT)
        for folder in APP_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        for code in ACTION_CODE.findall(path.read_text())
    }
    assert len(written) > 50  # the scan finds the codes at all
    missing = {code: str(path) for code, path in written.items() if code not in ACTIONS}
    assert not missing, f"add these to tenant_apps/activity/descriptions.py: {missing}"

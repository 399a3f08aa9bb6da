"""Every action code written to the log is an app's audit event, with words, not a raw code."""

import re
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from tenant_apps.activity.actions import activity_record
from tenant_apps.activity.events import AuditEvent, audit_events
from tenant_apps.activity.models import ActivityEntry

ROOT = Path(__file__).resolve().parent.parent
APP_FOLDERS = ["tenant_apps", "shared_apps", "tenants", "branding", "billing"]
# What activity_record is given: an app's enum member (or, rarely, a literal code).
WRITTEN = re.compile(r'\baction=(?:"([a-z_]+\.[a-z_.]+)"|([A-Z][A-Za-z]+Audit)\.([A-Z_]+))')


def test_every_logged_action_code_is_described():
    registered = audit_events()
    written = {}
    for folder in APP_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            for literal, enum, member in WRITTEN.findall(path.read_text()):
                if literal:
                    written[literal] = path.relative_to(ROOT)
                    continue
                event = next(
                    (
                        e
                        for e in registered.values()
                        if type(e).__name__ == enum and e.name == member
                    ),
                    None,
                )
                written[f"{enum}.{member}"] = path.relative_to(ROOT) if event is None else None
    assert len(written) > 50  # the scan finds the codes at all
    missing = {code: str(path) for code, path in written.items() if path and code not in registered}
    assert not missing, f"add these to the app's audit.py: {missing}"


def test_each_code_is_one_apps_and_has_words():
    events = audit_events()
    assert len(events) > 80
    for code, event in events.items():
        assert isinstance(event, AuditEvent) and event == code
        assert event.label and event.text, code
        assert type(event).__module__.endswith(".audit"), code


def test_a_code_no_app_defines_is_refused_and_nothing_is_written(world):
    with tenant_context(world.acme):
        before = ActivityEntry.objects.count()
        with pytest.raises(ValueError, match="no app's audit code"):
            activity_record(action="made.up", actor=world.personas["owner"].user)
        assert ActivityEntry.objects.count() == before

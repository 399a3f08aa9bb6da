"""What a logged action means, in words (each app's audit codes carry them)."""

from tenant_apps.activity.events import audit_events


def describe(action: str, object_label: str) -> str:
    """One entry in words; a code no app defines any more shows as itself."""
    known = audit_events().get(action)
    if known is None:
        return action
    return known.text.format(object=object_label or "someone")


def action_label(action: str) -> str:
    """The kind of action ``action`` is, as the log's filter names it."""
    known = audit_events().get(action)
    return known.label if known is not None else action


def _shown(value) -> str:
    if value is None or value == []:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def change_lines(changes: dict) -> list[str]:
    """``{"role": ["staff", "admin"]}`` → ``["role: staff → admin"]``; a two-item list is
    the [before, after] pair activity_record's callers pass, anything else a plain value."""
    lines = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{key}: {_shown(value[0])} → {_shown(value[1])}")
        else:
            lines.append(f"{key}: {_shown(value)}")
    return lines

"""The variables a saved reply may hold, written ``{client_name}``, and how they are filled.

Only these names, as words between braces: anything else is refused when the reply is saved,
so a reply never sends a placeholder to a client. The values come from where the reply is
used (a request fills them from itself and the person writing)."""

import re

from django.core.exceptions import ValidationError

VARIABLES = {
    "client_name": "the client company's name",
    "request_number": "the request's number",
    "agent_name": "your name",
    "promise_date": "the date the request is promised for",
}
_TOKEN = re.compile(r"\{(\w+)\}")


def variables_check(body: str) -> None:
    unknown = sorted({name for name in _TOKEN.findall(body) if name not in VARIABLES})
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in VARIABLES)
        named = ", ".join(f"{{{name}}}" for name in unknown)
        raise ValidationError({"body": f"Unknown variables {named}. Use {known}."})


def fill(body: str, values: dict[str, str]) -> str:
    """``body`` with each variable replaced by its value (left as written if it has none)."""
    return _TOKEN.sub(lambda match: values.get(match[1], match[0]), body)

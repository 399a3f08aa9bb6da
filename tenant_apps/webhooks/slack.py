"""What a Slack endpoint is posted: one sentence per event, linking to the item, in the
message format of Slack's incoming webhooks (``text``, repeated as a ``mrkdwn`` section).

Built from the event's payload at each attempt, so every attempt posts the same words. Money
in the agency's locale; statuses and decisions in the words the pages use. Slack's own
markup characters in names and titles are escaped, as Slack asks.
"""

import json
from collections.abc import Callable

from django.db import connection

from shared_apps.core.formatting import format_money
from shared_apps.core.regional import zone_and_locale
from tenant_apps.approvals.models import Decision
from tenant_apps.client_requests.models import Status
from tenant_apps.webhooks.models import Event, EventType

EXCERPT_CHARACTERS = 200


def escape(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label) -> str:
    return f"<{url}|{escape(label)}>"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARACTERS else text[: EXCERPT_CHARACTERS - 1] + "…"


def _request(data: dict) -> str:
    request = data["request"]
    return f"{link(request['url'], request['title'])} ({escape(request['company']['name'])})"


def _status(value) -> str:
    return Status(value).label.lower() if value in Status.values else escape(value)


def _request_created(data: dict) -> str:
    request = data["request"]
    company = escape(request["company"]["name"])
    return f"New request from {company}: {link(request['url'], request['title'])}"


def _status_changed(data: dict) -> str:
    return f"{_request(data)} moved from {_status(data['from'])} to {_status(data['to'])}."


def _message_posted(data: dict) -> str:
    message, thread = data["message"], data["thread"]
    author = escape(message["author"]["name"]) if message["author"] else "Someone"
    where = f"{link(thread['url'], thread['title'])} ({escape(thread['company']['name'])})"
    return f"{author} wrote in {where}: {escape(_excerpt(message['body']))}"


def _approval_decided(data: dict) -> str:
    approval, decision = data["approval"], data["decision"]
    company = escape(approval["company"]["name"])
    item = link(approval["url"], approval["title"])
    if decision.get("decision") == Decision.APPROVED:
        return f"{company} approved {item}."
    comment = decision.get("comment") or ""
    said = f": {escape(_excerpt(comment))}" if comment else "."
    return f"{company} asked for changes to {item}{said}"


def _invoice_paid(data: dict) -> str:
    invoice = data["invoice"]
    _zone, locale = zone_and_locale(agency=connection.tenant)
    amount = format_money(invoice["total"], invoice["currency"], locale)
    company = escape(invoice["company"]["name"])
    return f"{company} paid invoice {link(invoice['url'], invoice['number'])}: {amount}."


def _version_added(data: dict) -> str:
    document, version = data["document"], data["version"]
    company = escape(document["company"]["name"])
    item = link(document["url"], document["name"])
    return f"Version {version['number']} of {item} is up for {company}."


def _at_risk(data: dict) -> str:
    return f"{_request(data)} is at risk of missing its promised time."


def _breached(data: dict) -> str:
    return f"{_request(data)} missed its promised time."


def _ping(data: dict) -> str:
    return "Test message from your client portal: this channel is connected."


SENTENCES: dict[str, Callable[[dict], str]] = {
    EventType.REQUEST_CREATED: _request_created,
    EventType.REQUEST_STATUS_CHANGED: _status_changed,
    EventType.MESSAGE_POSTED: _message_posted,
    EventType.APPROVAL_DECIDED: _approval_decided,
    EventType.INVOICE_PAID: _invoice_paid,
    EventType.DOCUMENT_VERSION_ADDED: _version_added,
    EventType.REQUEST_AT_RISK: _at_risk,
    EventType.REQUEST_BREACHED: _breached,
    EventType.PING: _ping,
}


def slack_text(event: Event) -> str:
    return SENTENCES[event.type](event.payload)


def slack_body(event: Event) -> bytes:
    text = slack_text(event)
    message = {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
    return json.dumps(message, separators=(",", ":")).encode()

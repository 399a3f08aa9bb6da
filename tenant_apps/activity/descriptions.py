"""What a logged entry means, in plain words, from the templates each app's audit codes
carry (see tenant_apps.activity.events): a sentence linking its item where the reader may open
it, and its changes as labelled before → after values."""

import re
from dataclasses import dataclass
from datetime import date
from string import Formatter

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import ngettext

from tenant_apps.activity.events import HIDDEN, ITEMS, AuditEvent, By, Daily, Field, audit_events

# The agency's words, as templates name them; a reader brings the agency's own.
PLAIN_WORDS = {
    "client": "client",
    "clients": "clients",
    "request": "request",
    "requests": "requests",
}
ALWAYS = {"actor", "count", *PLAIN_WORDS}
# Who did what no person did, where the code has no sentence without {actor}.
SYSTEM_ACTOR = "The system"
SIGN_IN_CHOICES = [("folded", "One line a day"), ("hidden", "Hidden"), ("all", "Each one")]
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Reader:
    """Who reads the log: the policy's actor (handed as it is to each item's ``visible``),
    whether they are a client, and the agency's words."""

    actor: object
    is_client: bool
    words: dict


@dataclass(frozen=True)
class Line:
    """One entry as a reader sees it: ``text`` (plain), ``html`` (the item linked) and its
    changes; ``count`` entries when a routine code was folded into it."""

    entry: object
    text: str
    html: SafeString
    url: str | None
    changes: list[str]
    count: int


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def _shown(value) -> str:
    if value is None or value in ("", []):
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    if isinstance(value, str) and ISO_DAY.match(value):
        return date_format(date.fromisoformat(value), "j M Y")
    return str(value)


def _in_words(field: Field | None, value, words: dict) -> str:
    named = field.value_words(value) if field is not None else None
    return named.format_map(words) if named is not None else _shown(value)


def _after(value):
    """A change's new value: the second of a [before, after] pair, else the value itself."""
    return value[1] if isinstance(value, list) and len(value) == 2 else value


def _readable_fields(event: AuditEvent, changes: dict, is_client: bool) -> dict[str, Field | None]:
    """The change keys this reader may read, with their fields (None: undeclared, team only)."""
    fields = type(event).fields
    order = list(fields)
    shown = {}
    # In the order the app declares its fields (the database keeps its own order of keys).
    for key in sorted(
        changes, key=lambda key: (order.index(key) if key in fields else len(order), key)
    ):
        found = fields.get(key)
        if found is HIDDEN or (is_client and (found is None or not found.clients)):
            continue
        shown[key] = found
    return shown


def _template(event: AuditEvent, known: set[str], changes: dict, count: int) -> str:
    for sentence in event.sentences:
        if isinstance(sentence, Daily):
            sentence = ngettext(sentence.one, sentence.many, count)
        elif isinstance(sentence, By):
            sentence = sentence.sentences.get(_after(changes.get(sentence.key)), sentence.default)
        if _names(sentence) <= known:
            return sentence
    # A test holds every code's last template to names every entry has, but for its item.
    return sentence


def _render(template: str, values: dict[str, str], url: str | None) -> tuple[str, SafeString]:
    text, html = [], []
    for literal, name, _, _ in Formatter().parse(template):
        text.append(literal)
        html.append(escape(literal))
        if name is None:
            continue
        value = values.get(name, "something")
        text.append(value)
        if name != "object":
            html.append(escape(value))
        elif url:
            html.append(f'<a href="{escape(url)}">{escape(value)}</a>')
        else:
            html.append(f"<em>{escape(value)}</em>")
    return "".join(text), mark_safe("".join(html))  # noqa: S308 -- every value escaped above


def _sentence(
    action: str,
    object_label: str,
    changes: dict,
    *,
    actor: str | None,
    words: dict,
    is_client: bool,
    url=None,
    count=1,
    by_system: bool = False,
) -> tuple[str, SafeString]:
    """The entry's sentence; with ``actor`` None, without who did it. ``by_system``: no one
    did it (a task, Stripe's event): a sentence of the code without {actor} where one fits,
    else the code's sentence with SYSTEM_ACTOR doing it."""
    event = audit_events().get(action)
    if not isinstance(event, AuditEvent):
        return action, escape(action)  # a code no app defines any more
    readable = _readable_fields(event, changes, is_client)
    values = {
        **{key: _in_words(field, _after(changes[key]), words) for key, field in readable.items()},
        **words,
        "actor": actor or "",
        "count": str(count),
    }
    if object_label:
        values["object"] = object_label
    template = _template(event, set(values), changes, count)
    if by_system:
        unattended = _template(event, set(values) - {"actor"}, changes, count)
        if "actor" not in _names(unattended) and _names(unattended) <= set(values):
            template = unattended
        values["actor"] = SYSTEM_ACTOR
    if actor is None:
        template = template.removeprefix("{actor} ")
    text, html = _render(template, values, url)
    return capfirst(text), html


def actor_name(entry) -> str:
    """Who did it: their name now, else their email then, else "Someone"."""
    name = entry.actor.full_name if entry.actor_id and entry.actor else ""
    return name or entry.actor_label or "Someone"


def by_system(entry) -> bool:
    """No person did it: recorded without an actor (a person's entry keeps their email in
    ``actor_label`` even once their account is gone)."""
    return not entry.actor_id and not entry.actor_label


def describe(action: str, object_label: str, changes: dict | None = None) -> str:
    """One entry in words, without who did it (the log's description column, in the words a
    client may read); a code no app defines any more shows as itself."""
    text, _ = _sentence(
        action, object_label, changes or {}, actor=None, words=PLAIN_WORDS, is_client=True
    )
    return text


def action_label(action: str) -> str:
    """The kind of action ``action`` is, as the log's filter names it."""
    known = audit_events().get(action)
    return known.label if known is not None else action


def change_lines(action: str, changes: dict, *, is_client: bool = False, words=None) -> list[str]:
    """``{"role": ["staff", "admin"]}`` → ``["Role: Staff → Admin"]``: the keys this reader
    may read, labelled and in words; a two-item list is the [before, after] pair activity_record's
    callers pass, anything else a plain value."""
    event = audit_events().get(action)
    if not isinstance(event, AuditEvent):
        return []
    words = words or PLAIN_WORDS
    lines = []
    for key, field in _readable_fields(event, changes, is_client).items():
        label = field.label if field is not None else capfirst(key.replace("_", " "))
        value = changes[key]
        if isinstance(value, list) and len(value) == 2:
            before, after = (_in_words(field, item, words) for item in value)
            lines.append(f"{label}: {before} → {after}")
        else:
            lines.append(f"{label}: {_in_words(field, value, words)}")
    return lines


def _item_url(entry) -> str | None:
    item = ITEMS.get(entry.object_type)
    if item is None or not getattr(entry, "item_visible", False):
        return None
    try:
        return reverse(item.url_name, args=[entry.object_id])
    except NoReverseMatch:
        return None


def line(entry, reader: Reader) -> Line:
    """``entry`` as ``reader`` reads it (from ``readable``, for its link and count)."""
    url = _item_url(entry)
    count = getattr(entry, "fold_count", 1) or 1
    text, html = _sentence(
        entry.action,
        entry.object_label,
        entry.changes,
        actor=actor_name(entry),
        words=reader.words,
        is_client=reader.is_client,
        url=url,
        count=count,
        by_system=by_system(entry),
    )
    changes = change_lines(
        entry.action, entry.changes, is_client=reader.is_client, words=reader.words
    )
    return Line(entry, text, html, url, changes, count)


def _routine_codes() -> list[str]:
    return sorted(code for code, event in audit_events().items() if event.daily)


def readable(entries: QuerySet, reader: Reader, *, sign_ins: str = "all") -> QuerySet:
    """``entries`` with ``item_visible`` (may this reader open the entry's item; one CASE of
    EXISTS per kind of item, so a page is still one query) and the routine codes folded
    (``fold_count``), hidden or all shown."""
    linked = [
        When(
            object_type=model,
            then=Exists(
                import_string(item.visible)(reader.actor).filter(
                    pk=Cast(OuterRef("object_id"), BigIntegerField())
                )
            ),
        )
        for model, item in ITEMS.items()
        if item.clients or not reader.is_client
    ]
    entries = entries.annotate(
        item_visible=Case(*linked, default=Value(False), output_field=BooleanField())
    )
    routine = _routine_codes()
    if sign_ins == "hidden":
        return entries.exclude(action__in=routine)
    if sign_ins != "folded":
        return entries
    # One line per person, code and day (in the current time zone): the newest, counting all.
    day = TruncDate("occurred_at", tzinfo=timezone.get_current_timezone())
    same_day = (
        entries.model.objects.annotate(day=day)
        .filter(actor=OuterRef("actor"), action=OuterRef("action"), day=OuterRef("day"))
        .order_by()
    )
    counted = same_day.values("actor").annotate(n=Count("id")).values("n")[:1]
    entries = entries.annotate(day=day).filter(
        ~Q(action__in=routine) | Q(actor=None) | ~Exists(same_day.filter(id__gt=OuterRef("id")))
    )
    return entries.annotate(
        fold_count=Case(
            When(action__in=routine, actor__isnull=False, then=Subquery(counted)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )

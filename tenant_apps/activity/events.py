"""Audit event codes: each app names the codes it writes as one enum, in its ``audit.py``.

A member's value is the code stored in the log; ``label`` names the kind of action (the log's
filter), and one or more sentence templates say what one entry means, in plain words::

    class PeopleAudit(AuditEvent):
        TEAM_MEMBER_ADDED = "team.member_added", "Team member added", "{actor} added {object} ..."

A template names ``{actor}`` (who did it, only at its start), ``{object}`` (the item, linked for
a reader who may open it), the agency's words ``{client}``, ``{clients}``, ``{request}``,
``{requests}``, and any key of the entry's changes (its new value, in the words of the enum's
``fields``). The first template whose names the entry has is used, so a later one serves
entries written before a key existed. ``By`` picks a template by a change's value and
``Daily`` marks a routine code (sign-ins) that the log's pages fold into one line per person
and day.

An app also declares, in the same module, the items its entries link to (``link_items``) and
how its change keys read (the enum's ``fields``): the log renders every app's entries without
importing any of them.

Every subclass registers itself, and the activity app imports every installed app's
``audit`` module when Django starts, so the registry is whole before the first request.
``activity_record`` refuses a code that is not registered.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum, nonmember

from django.utils.module_loading import import_string

# code -> its member, for every app's enum
REGISTRY: dict[str, "AuditEvent"] = {}


@dataclass(frozen=True)
class By:
    """The template for one value of the change ``key`` (its new value), else ``default``."""

    key: str
    sentences: Mapping[str, str]
    default: str


@dataclass(frozen=True)
class Daily:
    """A routine code: the log's pages show one line per person and day, ``many`` (with
    ``{count}``) when there were several."""

    one: str
    many: str


@dataclass(frozen=True)
class Field:
    """How a change key reads: its label and, optionally, its values in words (a mapping, a
    TextChoices class or its dotted path, or a function of the value). ``clients=False``
    keeps it from clients (internal states)."""

    label: str
    values: Mapping | type | Callable | None = None
    clients: bool = True

    def value_words(self, value) -> str | None:
        values = self.values
        if isinstance(values, str):  # a dotted path, for an audit module its models import
            values = import_string(values)
        if isinstance(values, type):
            values = dict(values.choices)
        elif callable(values):
            return values(value)
        if values is not None and value in values:
            return values[value]
        return None


# A change key nobody reads in the log (hashes, ids, user agents): proofs stay in exports.
HIDDEN = Field("", clients=False)


class AuditEvent(StrEnum):
    label: str
    sentences: tuple
    # change key -> Field, for the codes of this enum; a key missing here is shown to the
    # team as it is stored, never to clients.
    fields = nonmember({})

    def __new__(cls, code: str, label: str, *sentences):
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        member.sentences = sentences
        return member

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _unregistered.append(cls)

    @property
    def text(self) -> str:
        """The first template, as the code's main wording."""
        first = self.sentences[0]
        return {By: lambda s: s.default, Daily: lambda s: s.one}.get(type(first), str)(first)

    @property
    def daily(self) -> Daily | None:
        return self.sentences[0] if isinstance(self.sentences[0], Daily) else None


# Subclasses are seen before their members exist; their members are added on first use.
_unregistered: list[type[AuditEvent]] = []


def audit_events() -> dict[str, AuditEvent]:
    """Every registered code and its member."""
    while _unregistered:
        for member in _unregistered.pop():
            if REGISTRY.setdefault(member.value, member) is not member:
                raise ValueError(f"The audit code {member.value!r} is defined twice.")
    return REGISTRY


@dataclass(frozen=True)
class Item:
    """A kind of item the log links to: its page (a URL name taking the id) and the items a
    reader may open (the dotted path of ``visible(actor) -> QuerySet``, imported when first
    read, so an audit module imports no selectors). ``clients=False``: a team page, never
    linked for a client."""

    model: str  # the model's label_lower, as entries store it in object_type
    url_name: str
    visible: str
    clients: bool = True


# object_type -> Item
ITEMS: dict[str, Item] = {}


def link_items(*items: Item) -> None:
    for item in items:
        if ITEMS.setdefault(item.model, item) is not item:
            raise ValueError(f"{item.model} is linked twice.")

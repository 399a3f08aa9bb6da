"""The workspace's navigation: which links a person sees, grouped, and which one is current.

The policy decides the links (the same rules that guard the pages), and the page being shown
is marked by its view name: each link claims the view-name prefixes of the pages under it, and
the longest claim wins (``client_requests:`` is the requests list and its pages, but
``client_requests:sla_settings`` is the request settings).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.text import capfirst

from tenant_apps.client_requests.selectors import saved_view_url, saved_views_for
from tenant_apps.kit.access import Actor, can


@dataclass(frozen=True)
class Link:
    key: str
    label: str
    url: str
    current: bool = False


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Navigation:
    groups: tuple[Group, ...]
    shortcuts: tuple[Link, ...]  # a client's bottom bar on phones (the rest is behind "More")


@dataclass(frozen=True)
class _Entry:
    key: str
    label: Callable  # (brand, actor) -> str
    url: Callable  # (actor, (urlconf, script prefix)) -> str
    sections: tuple[str, ...]  # view-name prefixes of the pages this link leads to
    shown: Callable  # (actor) -> bool


def _may(permission: str) -> Callable:
    return lambda actor: can(actor, permission)


def _named(label: str) -> Callable:
    return lambda brand, actor: label


@cache
def _reversed(name: str, urlconf, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


def _url(name: str) -> Callable:
    # Reversed once per process: these URLs take no arguments (every page shows ~18 of them).
    return lambda actor, where: _reversed(name, *where)


def _team(actor: Actor) -> bool:
    return actor.is_team


def _client(actor: Actor) -> bool:
    return actor.is_client


def _everyone(actor: Actor) -> bool:
    return True


WORK = (
    _Entry("home", _named("Home"), _url("workspace:home"), ("workspace:home",), _everyone),
    _Entry(
        "requests",
        lambda brand, actor: capfirst(brand.requests_word),
        _url("client_requests:list"),
        # A request's time page (timesheets) is one of the request's pages.
        ("client_requests:", "timesheets:request", "timesheets:timer"),
        _everyone,
    ),
    _Entry(
        "documents",
        _named("Documents"),
        _url("documents:hub"),
        ("documents:",),
        _may("workspace.use"),
    ),
    _Entry("approvals", _named("Approvals"), _url("approvals:list"), ("approvals:",), _everyone),
    _Entry(
        "invoices", _named("Invoices"), _url("invoices:list"), ("invoices:",), _may("invoices.view")
    ),
    _Entry("messages", _named("Messages"), _url("messaging:inbox"), ("messaging:",), _everyone),
    _Entry("projects", _named("Projects"), _url("projects:list"), ("projects:",), _everyone),
    _Entry("help", _named("Help centre"), _url("help_centre:index"), ("help_centre:",), _everyone),
)
INSIGHT = (
    _Entry(
        "reports", _named("Reports"), _url("reports:index"), ("reports:",), _may("reports.view")
    ),
    _Entry("activity", _named("My activity"), _url("activity:mine"), ("activity:mine",), _everyone),
    _Entry(
        "log",
        _named("Workspace log"),
        _url("activity:workspace"),
        ("activity:workspace", "activity:export"),
        _may("activity.view_all"),
    ),
)
SETTINGS = (
    _Entry(
        "team",
        _named("Team"),
        _url("people:team"),
        ("people:team", "people:staff_access"),
        _may("team.view"),
    ),
    _Entry(
        "clients",
        lambda brand, actor: capfirst(brand.clients_word),
        _url("people:clients"),
        ("people:clients", "people:company", "people:client_role", "workspace:client"),
        _team,
    ),
    _Entry(
        "branding",
        _named("Branding"),
        _url("branding:settings"),
        ("branding:settings", "branding:preview", "branding:domain"),
        _may("brand.manage"),
    ),
    _Entry(
        "billing",
        _named("Billing"),
        _url("billing:overview"),
        ("billing:",),
        _may("billing.manage"),
    ),
    _Entry(
        "payments",
        _named("Payments"),
        _url("payments:settings"),
        ("payments:settings",),
        _may("payments.manage"),
    ),
    _Entry(
        "invoicing",
        _named("Invoicing"),
        _url("invoices:legal_settings"),
        ("invoices:legal_settings", "invoices:tax_rate"),
        _may("invoicing.configure"),
    ),
    _Entry(
        "webhooks",
        _named("Webhooks"),
        _url("webhooks:list"),
        ("webhooks:",),
        _may("webhooks.manage"),
    ),
    _Entry(
        "saved_replies",
        _named("Saved replies"),
        _url("replies:list"),
        ("replies:",),
        _may("replies.use"),
    ),
    _Entry(
        "retainers",
        _named("Retainers"),
        _url("timesheets:retainers"),
        ("timesheets:retainer",),
        _may("retainers.manage"),
    ),
    _Entry(
        "request_settings",
        lambda brand, actor: f"{capfirst(brand.request_word)} settings",
        _url("client_requests:sla_settings"),
        (
            "client_requests:sla_settings",
            "client_requests:holiday",
            "client_requests:type",
            "client_requests:tag",
        ),
        _may("requests.configure"),
    ),
    _Entry(
        "weekly_report",
        lambda brand, actor: f"Weekly {brand.client_word} report",
        _url("weekly_report:settings"),
        ("weekly_report:",),
        _may("weekly_report.manage"),
    ),
    _Entry(
        "security",
        _named("Security"),
        _url("security:settings"),
        ("security:settings",),
        _may("security.manage"),
    ),
    _Entry(
        "retention",
        _named("Retention"),
        _url("retention:settings"),
        ("retention:",),
        _may("retention.manage"),
    ),
    _Entry(
        "support_access",
        _named("Support access"),
        _url("support_access:settings"),
        ("support_access:",),
        _may("support_access.manage"),
    ),
    _Entry(
        "agency_export",
        _named("Export everything"),
        _url("agency_archive:export"),
        ("agency_archive:",),
        _may("agency_archive.export"),
    ),
)
# A client's own company page and activity, then everyone's account.
YOURS = (
    _Entry(
        "company",
        lambda brand, actor: str(actor.client.company),
        lambda actor, where: reverse("people:company", args=[actor.client.company_id]),
        ("people:company", "people:client_role"),
        _client,
    ),
    _Entry("activity", _named("My activity"), _url("activity:mine"), ("activity:mine",), _client),
    _Entry(
        "account",
        _named("My account"),
        _url("security:account"),
        ("security:", "notifications:preferences"),
        _everyone,
    ),
)
TEAM_GROUPS = (
    ("work", "Work", WORK),
    ("insight", "Insight", INSIGHT),
    ("settings", "Settings", SETTINGS),
    ("yours", "You", YOURS),
)
CLIENT_GROUPS = (("work", "Your portal", WORK), ("yours", "You", YOURS))
SHORTCUTS = ("home", "requests", "approvals", "messages")


def _current(entries: list[_Entry], view_name: str) -> _Entry | None:
    """The entry claiming the longest prefix of ``view_name``."""
    claims = [
        (len(prefix), entry)
        for entry in entries
        for prefix in entry.sections
        if view_name.startswith(prefix)
    ]
    return max(claims, key=lambda claim: claim[0])[1] if claims else None


def _with_saved_views(groups: tuple[Group, ...], actor: Actor) -> tuple[Group, ...]:
    """The request list's saved views the person may open (theirs and the team's shared ones),
    as a group after Work: one click applies one (one query)."""
    views = [
        Link(f"view-{view.pk}", view.name, saved_view_url(view))
        for view in saved_views_for(actor).only("pk", "name", "query")
    ]
    if not views:
        return groups
    views.append(
        Link(
            "views",
            "Manage views",
            _reversed("client_requests:views", get_urlconf(), get_script_prefix()),
        )
    )
    at = next((i + 1 for i, group in enumerate(groups) if group.key == "work"), 0)
    return (*groups[:at], Group("views", "Saved views", tuple(views)), *groups[at:])


def navigation_for(actor: Actor, brand, view_name: str) -> Navigation:
    """The links ``actor`` may follow, grouped for their side, the one for ``view_name`` current."""
    groups = TEAM_GROUPS if actor.is_team else CLIENT_GROUPS
    shown = [
        (key, label, [entry for entry in entries if entry.shown(actor)])
        for key, label, entries in groups
    ]
    current = _current([entry for _, _, entries in shown for entry in entries], view_name)
    where = (get_urlconf(), get_script_prefix())  # read once, not per link (thread-locals)
    built = tuple(
        Group(
            key,
            label,
            tuple(
                Link(
                    entry.key, entry.label(brand, actor), entry.url(actor, where), entry is current
                )
                for entry in entries
            ),
        )
        for key, label, entries in shown
        if entries
    )
    if actor.is_team:
        built = _with_saved_views(built, actor)
    links = {link.key: link for group in built for link in group.links}
    shortcuts = tuple(links[key] for key in SHORTCUTS if key in links) if actor.is_client else ()
    return Navigation(built, shortcuts)

"""The reports' figures, aggregated in SQL: a fixed number of statements per report (grouping
sets give a table its total row and its sibling breakdowns in the same statement), never a
loop over rows in Python. Python only arranges the aggregated rows (a few per week, client
or owner) into tables.

Times are business hours where the portal counts business time (first response and
resolution, from ``first_response_seconds`` / ``resolution_seconds``), wall-clock hours
elsewhere (approvals). Weeks start on Monday in the agency's time zone.
"""

from decimal import Decimal

from django.db import connection

from shared_apps.accounts.models import User
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.models import ApprovalDecision, ApprovalRequest, ApprovalStatus
from tenant_apps.client_requests.models import (
    OPEN_STATUSES,
    ClientRequest,
    Priority,
    RequestType,
    SlaState,
)
from tenant_apps.documents.models import DocumentVersion
from tenant_apps.files.models import StoredFile
from tenant_apps.messaging.models import Message
from tenant_apps.people.models import ClientCompany, ClientMember
from tenant_apps.reports.filters import Filters
from tenant_apps.reports.health import SIGNALS, client_health
from tenant_apps.reports.results import Chart, Column, Report, Table

BREACHES_SHOWN = 50

TABLES = {
    "requests": ClientRequest._meta.db_table,
    "types": RequestType._meta.db_table,
    "companies": ClientCompany._meta.db_table,
    "members": ClientMember._meta.db_table,
    "users": User._meta.db_table,
    "approvals": ApprovalRequest._meta.db_table,
    "decisions": ApprovalDecision._meta.db_table,
    "versions": DocumentVersion._meta.db_table,
    "activity": ActivityEntry._meta.db_table,
    "files": StoredFile._meta.db_table,
    "messages": Message._meta.db_table,
}
PRIORITIES = [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW]


def _rows(sql: str, params: dict, **formats) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**TABLES, **formats), params)
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    # Rounded numerics as floats, as the API's JSON and the charts have them.
    return [
        {
            name: float(v) if isinstance(v, Decimal) else v
            for name, v in zip(names, row, strict=True)
        }
        for row in rows
    ]


def _week(column: str) -> str:
    return f"date_trunc('week', {column} AT TIME ZONE %(zone)s)::date"


def _hours(seconds_expression: str) -> str:
    return f"round(({seconds_expression} / 3600.0)::numeric, 1)"


def _median_and_p90(seconds: str, condition: str) -> str:
    """Both in one sort: an array of [median, p90] of ``seconds`` where ``condition`` holds;
    ``_hours_at`` reads them out (a query's outer SELECT)."""
    return (
        f"percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {seconds}) "
        f"FILTER (WHERE {condition})"
    )


def _hours_at(array: str, index: int) -> str:
    return _hours(f"{array}[{index}]")


def _percent(part: str, whole: str) -> str:
    return f"round(100.0 * ({part}) / nullif({whole}, 0), 1)"


def _by_week(filters: Filters, rows: list[dict], empty: dict) -> list[dict]:
    """One row per week of the period, weeks without data filled with ``empty``."""
    found = {row["week"]: row for row in rows}
    return [found.get(week, {**empty, "week": week}) for week in filters.weeks()]


def _total(rows: list[dict], empty: dict, **labels) -> dict:
    """The grand-total row of a GROUPING SETS query (absent when nothing matched), labelled;
    charts leave it out."""
    return {**empty, **(rows[0] if rows else {}), **labels, "is_total": True}


def _split(rows: list[dict], *sets: str) -> list[list[dict]]:
    """Rows of a GROUPING SETS query, by the ``grouping`` set name each belongs to."""
    return [[row for row in rows if row["grouping"] == name] for name in sets]


# --- response time ---------------------------------------------------------------------

RESPONSE_TIME_SQL = """
SELECT grouping, week, answered, resolved,
       {response_p50} AS response_p50, {response_p90} AS response_p90,
       {resolution_p50} AS resolution_p50, {resolution_p90} AS resolution_p90
FROM (
    SELECT CASE GROUPING(week) WHEN 1 THEN 'total' ELSE 'week' END AS grouping, week,
           count(*) FILTER (WHERE metric = 'response') AS answered,
           count(*) FILTER (WHERE metric = 'resolution') AS resolved,
           {response} AS response, {resolution} AS resolution
    FROM (
        SELECT {week} AS week, m.metric, m.seconds
        FROM {requests} r
        CROSS JOIN LATERAL (VALUES ('response', r.first_response_at, r.first_response_seconds),
                                   ('resolution', r.resolved_at, r.resolution_seconds))
            AS m(metric, at, seconds)
        WHERE ((r.first_response_at >= %(start)s AND r.first_response_at < %(end)s)
               OR (r.resolved_at >= %(start)s AND r.resolved_at < %(end)s))
          AND m.seconds IS NOT NULL AND m.at >= %(start)s AND m.at < %(end)s {where}
    ) measured
    GROUP BY GROUPING SETS ((week), ())
) grouped
"""


def response_time(filters: Filters) -> Report:
    """Median and p90 business hours to first response (by the week answered) and to
    resolution (by the week resolved)."""
    rows = _rows(
        RESPONSE_TIME_SQL,
        filters.params(),
        week=_week("m.at"),
        response=_median_and_p90("seconds", "metric = 'response'"),
        resolution=_median_and_p90("seconds", "metric = 'resolution'"),
        response_p50=_hours_at("response", 1),
        response_p90=_hours_at("response", 2),
        resolution_p50=_hours_at("resolution", 1),
        resolution_p90=_hours_at("resolution", 2),
        where=_request_where(filters),
    )
    weeks, total = _split(rows, "week", "total")
    empty = {"answered": 0, "resolved": 0}
    columns = [
        Column("week", "Week of", numeric=False),
        Column("answered", "Answered"),
        Column("response_p50", "First response median (h)"),
        Column("response_p90", "First response p90 (h)"),
        Column("resolved", "Resolved"),
        Column("resolution_p50", "Resolution median (h)"),
        Column("resolution_p90", "Resolution p90 (h)"),
    ]
    total_row = _total(total, empty, week="Whole period")
    return Report(
        name="response-time",
        title="Response time",
        tables=[
            Table(
                "weeks",
                "By week",
                columns,
                [*_by_week(filters, weeks, empty), total_row],
                note="Business hours. First responses count in the week they were sent, "
                "resolutions in the week they happened.",
            )
        ],
        charts=[
            Chart(
                "first-response-chart",
                "Business hours to first response, by week",
                "line",
                "weeks",
                "week",
                ("response_p50", "response_p90"),
                unit="business hours",
            ),
            Chart(
                "resolution-chart",
                "Business hours to resolution, by week",
                "line",
                "weeks",
                "week",
                ("resolution_p50", "resolution_p90"),
                unit="business hours",
            ),
        ],
    )


# --- SLA compliance -----------------------------------------------------------------------

SLA_SQL = """
WITH cohort AS (
    SELECT r.priority, r.company_id, {week} AS week,
           r.sla_state = %(met)s AS met, r.sla_state = %(breached)s AS breached,
           CASE WHEN r.first_response_at IS NOT NULL
                THEN r.first_response_at <= r.response_due_at
                WHEN r.response_due_at < %(now)s THEN false END AS response_met
    FROM {requests} r
    WHERE r.sla_state <> %(none)s AND r.created_at >= %(start)s AND r.created_at < %(end)s
          {where}
)
SELECT CASE WHEN GROUPING(priority) = 0 THEN 'priority'
            WHEN GROUPING(company_id) = 0 THEN 'company'
            WHEN GROUPING(week) = 0 THEN 'week' ELSE 'total' END AS grouping,
       priority, company_id, (SELECT c.name FROM {companies} c WHERE c.id = company_id) AS client,
       week, count(*) AS requests,
       count(*) FILTER (WHERE met) AS met, count(*) FILTER (WHERE breached) AS breached,
       count(*) FILTER (WHERE NOT met AND NOT breached) AS pending,
       {met_percent} AS met_percent,
       {response_percent} AS response_met_percent
FROM cohort
GROUP BY GROUPING SETS ((priority), (company_id), (week), ())
ORDER BY array_position(%(priorities)s::text[], priority), client, week
"""

BREACHES_SQL = """
SELECT r.id, r.title, c.name AS client, r.priority,
       coalesce(nullif(u.full_name, ''), u.email, '') AS owner,
       (r.created_at AT TIME ZONE %(zone)s) AS submitted,
       concat_ws(', ', CASE WHEN response_late THEN 'first response' END,
                       CASE WHEN resolution_late THEN 'resolution' END) AS missed,
       (CASE WHEN response_late THEN r.response_due_at ELSE r.resolution_due_at END
           AT TIME ZONE %(zone)s) AS due,
       {late_hours} AS late_hours,
       count(*) OVER () AS total
FROM {requests} r
JOIN {companies} c ON c.id = r.company_id
LEFT JOIN {users} u ON u.id = r.owner_id
CROSS JOIN LATERAL (SELECT
    coalesce(r.first_response_at, %(now)s) > r.response_due_at AS response_late,
    coalesce(r.resolved_at, %(now)s) > r.resolution_due_at AS resolution_late) late
WHERE r.sla_state = %(breached)s AND r.created_at >= %(start)s AND r.created_at < %(end)s
      {where}
ORDER BY r.created_at DESC, r.id DESC
{limit}
"""


def _sla_params(filters: Filters) -> dict:
    return filters.params() | {
        "met": SlaState.MET,
        "breached": SlaState.BREACHED,
        "none": SlaState.NONE,
        "priorities": PRIORITIES,
    }


def _request_where(filters: Filters) -> str:
    return filters.where(company="r.company_id", type="r.type_id", owner="r.owner_id")


def sla_breaches(filters: Filters, *, limit: int | None) -> list[dict]:
    late_hours = _hours(
        "extract(epoch FROM CASE WHEN response_late "
        "THEN coalesce(r.first_response_at, %(now)s) - r.response_due_at "
        "ELSE coalesce(r.resolved_at, %(now)s) - r.resolution_due_at END)"
    )
    return _rows(
        BREACHES_SQL,
        _sla_params(filters),
        late_hours=late_hours,
        where=_request_where(filters),
        limit=f"LIMIT {int(limit)}" if limit else "",
    )


def sla_compliance(filters: Filters, *, all_breaches: bool = False) -> Report:
    """Requests submitted in the period that have SLA targets: met, breached, or still
    pending (open and not yet breached); the share met is of those decided."""
    rows = _rows(
        SLA_SQL,
        _sla_params(filters),
        week=_week("r.created_at"),
        met_percent=_percent(
            "count(*) FILTER (WHERE met)", "count(*) FILTER (WHERE met OR breached)"
        ),
        response_percent=_percent(
            "count(*) FILTER (WHERE response_met)",
            "count(*) FILTER (WHERE response_met IS NOT NULL)",
        ),
        where=_request_where(filters),
    )
    priorities, companies, weeks, total = _split(rows, "priority", "company", "week", "total")
    labels = dict(Priority.choices)
    for row in priorities:
        row["priority"] = labels[row["priority"]]
    figures = [
        Column("requests", "Requests"),
        Column("met", "Met"),
        Column("breached", "Breached"),
        Column("pending", "Pending"),
        Column("met_percent", "Met %"),
        Column("response_met_percent", "First response in time %"),
    ]
    empty = {"requests": 0, "met": 0, "breached": 0, "pending": 0}
    breaches = sla_breaches(filters, limit=None if all_breaches else BREACHES_SHOWN)
    found = breaches[0]["total"] if breaches else 0
    return Report(
        name="sla",
        title="SLA compliance",
        tables=[
            Table(
                "by_priority",
                "By priority",
                [Column("priority", "Priority", numeric=False), *figures],
                [*priorities, _total(total, empty, priority="All")],
                note="Requests submitted in the period with an SLA target. Met % is of those "
                "met or breached; pending ones are still open and within their targets.",
            ),
            Table(
                "by_client",
                "By client",
                [Column("client", "Client", numeric=False), *figures],
                [*companies, _total(total, empty, client="All")],
            ),
            Table(
                "by_week",
                "By week submitted",
                [Column("week", "Week of", numeric=False), *figures],
                _by_week(filters, weeks, empty),
            ),
            Table(
                "breaches",
                "Breaches",
                [
                    Column("id", "Request", link="client_requests:detail"),
                    Column("title", "Title", numeric=False),
                    Column("client", "Client", numeric=False),
                    Column("priority", "Priority", numeric=False),
                    Column("owner", "Owner", numeric=False),
                    Column("submitted", "Submitted", numeric=False),
                    Column("missed", "Missed", numeric=False),
                    Column("due", "Due", numeric=False),
                    Column("late_hours", "Late by (h)"),
                ],
                breaches,
                note="Newest first. Late by: wall-clock hours from the missed target to the "
                "answer or resolution (or to now).",
                total_rows=found if found > len(breaches) else None,
            ),
        ],
        charts=[
            Chart(
                "sla-chart",
                "Share of SLA targets met, by week submitted",
                "line",
                "by_week",
                "week",
                ("met_percent", "response_met_percent"),
                unit="%",
                top=100,
            )
        ],
    )


# --- support volume -----------------------------------------------------------------------

VOLUME_SQL = """
SELECT CASE WHEN GROUPING(week) = 0 THEN 'week_type'
            WHEN GROUPING(company_id) = 0 THEN 'company'
            WHEN GROUPING(type_id) = 0 THEN 'type' ELSE 'total' END AS grouping,
       week, type_id, company_id,
       (SELECT t.name FROM {types} t WHERE t.id = type_id) AS type,
       (SELECT c.name FROM {companies} c WHERE c.id = company_id) AS client,
       count(*) AS requests,
       count(*) FILTER (WHERE status = ANY(%(open)s)) AS still_open,
       -- Of all requests: each grouping set's rows add up to the total.
       round(100.0 * count(*) / nullif(sum(count(*)) OVER (
           PARTITION BY GROUPING(week, type_id, company_id)), 0), 1) AS share
FROM (
    SELECT {week} AS week, r.type_id, r.company_id, r.status
    FROM {requests} r
    WHERE r.created_at >= %(start)s AND r.created_at < %(end)s {where}
) submitted
GROUP BY GROUPING SETS ((week, type_id), (company_id), (type_id), ())
ORDER BY requests DESC, type, client
"""


def support_volume(filters: Filters) -> Report:
    """Requests submitted in the period by type, week and client."""
    rows = _rows(
        VOLUME_SQL,
        filters.params() | {"open": OPEN_STATUSES},
        week=_week("r.created_at"),
        where=_request_where(filters),
    )
    week_types, companies, types = _split(rows, "week_type", "company", "type")
    type_columns = [Column(f"type_{row['type_id']}", row["type"]) for row in types]
    by_week: dict = {}
    for row in week_types:
        week = by_week.setdefault(row["week"], {"week": row["week"], "requests": 0})
        week[f"type_{row['type_id']}"] = row["requests"]
        week["requests"] += row["requests"]
    empty = {"requests": 0} | {column.key: 0 for column in type_columns}
    weeks = [empty | row for row in _by_week(filters, list(by_week.values()), empty)]
    counts = [
        Column("requests", "Requests"),
        Column("still_open", "Still open"),
        Column("share", "Share %"),
    ]
    return Report(
        name="volume",
        title="Support volume",
        tables=[
            Table(
                "by_week",
                "By week and type",
                [
                    Column("week", "Week of", numeric=False),
                    *type_columns,
                    Column("requests", "All"),
                ],
                weeks,
                note="Requests submitted in the period.",
            ),
            Table("by_type", "By type", [Column("type", "Type", numeric=False), *counts], types),
            Table(
                "by_client",
                "By client",
                [Column("client", "Client", numeric=False), *counts],
                companies,
            ),
        ],
        charts=[
            Chart(
                "volume-chart",
                "Requests submitted per week, by type",
                "bar",
                "by_week",
                "week",
                tuple(column.key for column in type_columns),
                stacked=True,
                unit="requests",
            )
        ],
    )


# --- workload -----------------------------------------------------------------------------

WORKLOAD_SQL = """
SELECT CASE GROUPING(r.owner_id) WHEN 1 THEN 'total' ELSE 'owner' END AS grouping,
       r.owner_id,
       coalesce((SELECT coalesce(nullif(u.full_name, ''), u.email)
                 FROM {users} u WHERE u.id = r.owner_id), 'Unassigned') AS owner,
       count(*) FILTER (WHERE is_open) AS open,
       count(*) FILTER (WHERE is_open AND r.sla_state = %(breached)s) AS open_breached,
       count(*) FILTER (WHERE is_open AND r.sla_state = %(at_risk)s) AS open_at_risk,
       count(*) FILTER (WHERE NOT is_open) AS resolved,
       round((avg(extract(epoch FROM %(now)s - r.created_at)) FILTER (WHERE is_open)
              / 86400)::numeric, 1) AS average_age_days,
       round((max(extract(epoch FROM %(now)s - r.created_at)) FILTER (WHERE is_open)
              / 86400)::numeric, 1) AS oldest_days
FROM {requests} r
CROSS JOIN LATERAL (SELECT r.status = ANY(%(open)s) AS is_open) o
WHERE (is_open OR (r.resolved_at >= %(start)s AND r.resolved_at < %(end)s)) {where}
GROUP BY GROUPING SETS ((r.owner_id), ())
ORDER BY grouping, open DESC, owner
"""


WORKLOAD_EMPTY = {"open": 0, "open_at_risk": 0, "open_breached": 0, "resolved": 0}


def workload(filters: Filters) -> Report:
    """Per owner: requests open now (with their SLA state and age) and resolved in the period."""
    params = filters.params() | {
        "open": OPEN_STATUSES,
        "breached": SlaState.BREACHED,
        "at_risk": SlaState.AT_RISK,
    }
    rows = _rows(WORKLOAD_SQL, params, where=_request_where(filters))
    owners, total = _split(rows, "owner", "total")
    return Report(
        name="workload",
        title="Workload",
        tables=[
            Table(
                "by_owner",
                "By owner",
                [
                    Column("owner", "Owner", numeric=False),
                    Column("open", "Open now"),
                    Column("open_at_risk", "Open, at risk"),
                    Column("open_breached", "Open, breached"),
                    Column("resolved", "Resolved in period"),
                    Column("average_age_days", "Average age of open (days)"),
                    Column("oldest_days", "Oldest open (days)"),
                ],
                [*owners, _total(total, WORKLOAD_EMPTY, owner="All")],
                note="Open: open now, whatever the period. Resolved: resolved (and not "
                "reopened since) in the period. Ages in calendar days.",
            )
        ],
        charts=[
            Chart(
                "workload-chart",
                "Open and resolved requests per owner",
                "bar",
                "by_owner",
                "owner",
                ("open", "resolved"),
                stacked=True,
                horizontal=True,
                unit="requests",
            )
        ],
    )


# --- approvals ----------------------------------------------------------------------------

APPROVALS_SQL = """
WITH rounds AS (
    -- Whether an earlier request on the same document (any version) or invoice had changes
    -- requested: an approval is "first time" when none had.
    SELECT a.*, coalesce(bool_or(a.status = %(changes)s) OVER (
               PARTITION BY v.document_id, a.invoice_id ORDER BY a.created_at, a.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS after_changes
    FROM {approvals} a LEFT JOIN {versions} v ON v.id = a.version_id
    WHERE true {company_where}
)
SELECT grouping, week, company_id, client, asked, decided, approved, changes_requested,
       pending, {p50} AS decision_p50, {p90} AS decision_p90, first_time_percent
FROM (
    SELECT CASE WHEN GROUPING(week) = 0 THEN 'week'
                WHEN GROUPING(company_id) = 0 THEN 'company' ELSE 'total' END AS grouping,
           week, company_id,
           (SELECT c.name FROM {companies} c WHERE c.id = company_id) AS client,
           count(*) AS asked,
           count(*) FILTER (WHERE decided) AS decided,
           count(*) FILTER (WHERE status = %(approved)s) AS approved,
           count(*) FILTER (WHERE status = %(changes)s) AS changes_requested,
           count(*) FILTER (WHERE status = %(pending)s) AS pending,
           {decision} AS decision,
           {first_time} AS first_time_percent
    FROM (
        SELECT {week} AS week, r.company_id, r.status, r.after_changes,
               r.status = ANY(%(decided_statuses)s) AS decided,
               extract(epoch FROM r.completed_at - r.created_at) AS seconds
        FROM rounds r
        WHERE r.created_at >= %(start)s AND r.created_at < %(end)s {owner_where}
    ) asked
    GROUP BY GROUPING SETS ((week), (company_id), ())
) grouped
ORDER BY week, client
"""


def approvals(filters: Filters) -> Report:
    """Approvals asked for in the period: time to decision and the share approved first time
    (of those approved, the share with no earlier "changes requested" on the same document
    or invoice)."""
    params = filters.params() | {
        "approved": ApprovalStatus.APPROVED,
        "changes": ApprovalStatus.CHANGES_REQUESTED,
        "pending": ApprovalStatus.PENDING,
        "decided_statuses": [ApprovalStatus.APPROVED, ApprovalStatus.CHANGES_REQUESTED],
    }
    rows = _rows(
        APPROVALS_SQL,
        params,
        week=_week("r.created_at"),
        decision=_median_and_p90("seconds", "decided"),
        p50=_hours_at("decision", 1),
        p90=_hours_at("decision", 2),
        first_time=_percent(
            "count(*) FILTER (WHERE status = %(approved)s AND NOT after_changes)",
            "count(*) FILTER (WHERE status = %(approved)s)",
        ),
        company_where=filters.where(company="a.company_id"),
        owner_where=filters.where(owner="r.requested_by_id"),
    )
    weeks, companies, total = _split(rows, "week", "company", "total")
    figures = [
        Column("asked", "Asked"),
        Column("decided", "Decided"),
        Column("approved", "Approved"),
        Column("changes_requested", "Changes requested"),
        Column("pending", "Pending"),
        Column("decision_p50", "Time to decision median (h)"),
        Column("decision_p90", "Time to decision p90 (h)"),
        Column("first_time_percent", "Approved first time %"),
    ]
    empty = {"asked": 0, "decided": 0, "approved": 0, "changes_requested": 0, "pending": 0}
    return Report(
        name="approvals",
        title="Approvals",
        tables=[
            Table(
                "by_week",
                "By week asked",
                [Column("week", "Week of", numeric=False), *figures],
                [*_by_week(filters, weeks, empty), _total(total, empty, week="Whole period")],
                note="Approvals asked for in the period; owner filter: who asked. Hours are "
                "wall-clock hours from asking to the decision.",
            ),
            Table(
                "by_client",
                "By client",
                [Column("client", "Client", numeric=False), *figures],
                [*companies, _total(total, empty, client="All")],
            ),
        ],
        charts=[
            Chart(
                "approvals-chart",
                "Hours to decision, by week asked",
                "line",
                "by_week",
                "week",
                ("decision_p50", "decision_p90"),
                unit="hours",
            )
        ],
    )


# --- client activity and engagement -------------------------------------------------------

ACTIVITY_SQL = """
WITH events AS (
    SELECT 'sign_in' AS kind, e.actor_id AS user_id, e.occurred_at AS at FROM {activity} e
    WHERE e.action = 'auth.signed_in' AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
    UNION ALL
    SELECT 'upload', f.uploaded_by_id, f.created_at FROM {files} f
    WHERE f.created_at >= %(start)s AND f.created_at < %(end)s
    UNION ALL
    SELECT 'message', m.author_id, m.created_at FROM {messages} m
    WHERE m.created_at >= %(start)s AND m.created_at < %(end)s
    UNION ALL
    SELECT 'decision', d.decided_by_id, d.decided_at FROM {decisions} d
    WHERE d.decided_at >= %(start)s AND d.decided_at < %(end)s
),
by_client AS (
    -- Only client people's doings count, under the company they belong to.
    SELECT cm.company_id, {week} AS week, ev.kind, ev.user_id, ev.at
    FROM events ev JOIN {members} cm ON cm.user_id = ev.user_id
    WHERE true {where}
)
SELECT CASE WHEN GROUPING(week) = 0 THEN 'week'
            WHEN GROUPING(company_id) = 0 THEN 'company' ELSE 'total' END AS grouping,
       week, company_id,
       count(DISTINCT user_id) AS active_people,
       count(*) FILTER (WHERE kind = 'sign_in') AS sign_ins,
       count(*) FILTER (WHERE kind = 'upload') AS uploads,
       count(*) FILTER (WHERE kind = 'message') AS messages,
       count(*) FILTER (WHERE kind = 'decision') AS decisions,
       (max(at) FILTER (WHERE kind = 'sign_in') AT TIME ZONE %(zone)s) AS last_sign_in
FROM by_client
GROUP BY GROUPING SETS ((week), (company_id), ())
"""

EVENT_COUNTS = ("sign_ins", "uploads", "messages", "decisions")
COMPANIES_SQL = """
SELECT c.id AS company_id, c.name AS client FROM {companies} c
WHERE NOT c.is_archived {where} ORDER BY c.name
"""


def client_activity(filters: Filters) -> Report:
    """What each client's people did in the period: sign-ins, uploads, messages, approval
    decisions; clients who did nothing are listed too."""
    rows = _rows(
        ACTIVITY_SQL,
        filters.params(),
        week=_week("ev.at"),
        where=filters.where(company="cm.company_id"),
    )
    weeks, companies, total = _split(rows, "week", "company", "total")
    names = _rows(COMPANIES_SQL, filters.params(), where=filters.where(company="c.id"))
    empty = {"active_people": 0, "sign_ins": 0, "uploads": 0, "messages": 0, "decisions": 0}
    found = {row["company_id"]: row for row in companies}
    clients = [empty | found.get(row["company_id"], {}) | row for row in names]
    clients.sort(key=lambda row: (-sum(row[key] for key in EVENT_COUNTS), row["client"]))
    figures = [
        Column("active_people", "Active people"),
        Column("sign_ins", "Sign-ins"),
        Column("uploads", "Uploads"),
        Column("messages", "Messages"),
        Column("decisions", "Decisions"),
    ]
    return Report(
        name="activity",
        title="Client activity and engagement",
        tables=[
            Table(
                "by_client",
                "By client",
                [
                    Column("client", "Client", numeric=False),
                    *figures,
                    Column("last_sign_in", "Last sign-in in period", numeric=False),
                ],
                [*clients, _total(total, empty, client="All", last_sign_in=None)],
                note="What client people did in the period: signed in, uploaded files, "
                "posted messages, decided on approvals.",
            ),
            Table(
                "by_week",
                "By week",
                [Column("week", "Week of", numeric=False), *figures],
                _by_week(filters, weeks, empty),
            ),
        ],
        charts=[
            Chart(
                "activity-chart",
                "Client activity per week",
                "line",
                "by_week",
                "week",
                ("sign_ins", "uploads", "messages", "decisions"),
                unit="count",
            )
        ],
    )


# --- client health ------------------------------------------------------------------------


def health(filters: Filters) -> Report:
    """Client health as of the end of the period (or now), lowest first, with every signal's
    value and the points it took."""
    scores = client_health(
        company_ids=[filters.company_id] if filters.company_id else None, as_of=filters.as_of
    )
    names = dict(ClientCompany.objects.filter(pk__in=list(scores)).values_list("pk", "name"))
    rows = []
    for company_id, score in scores.items():
        row = {
            "client": names[company_id],
            "score": score.score,
            "previous": score.previous,
            "trend": score.trend,
        }
        for part in score.parts:
            row[f"{part.signal}_value"] = part.value
            row[f"{part.signal}_points"] = part.points
        rows.append(row)
    rows.sort(key=lambda row: (row["score"], row["client"]))
    signal_columns = []
    for signal in SIGNALS:
        signal_columns += [
            Column(f"{signal.key}_value", f"{signal.label} ({signal.unit})"),
            Column(f"{signal.key}_points", f"Points (of {signal.weight})"),
        ]
    return Report(
        name="health",
        title="Client health",
        tables=[
            Table(
                "scores",
                "Scores",
                [
                    Column("client", "Client", numeric=False),
                    Column("score", "Score"),
                    Column("previous", "4 weeks earlier"),
                    Column("trend", "Trend"),
                    *signal_columns,
                ],
                rows,
                note="100 minus the points each signal takes; lowest first.",
            )
        ],
        charts=[
            Chart(
                "health-chart",
                "Health score now and 4 weeks earlier",
                "bar",
                "scores",
                "client",
                ("score", "previous"),
                horizontal=True,
                unit="score",
                top=100,
            )
        ],
    )

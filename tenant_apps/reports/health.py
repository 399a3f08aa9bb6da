"""Client health: a score from 0 to 100 per client company, from signals the portal already has.

Every company starts at 100 and loses points for seven signals. Each signal has a **weight**,
the most points it can take, and a ramp: nothing up to its ``grace`` value, then linearly
more up to the full weight at its ``full`` value. Points are rounded to one decimal and the
score to a whole number (never below 0).

=====================  ======  =====  ====  ===============================================
signal                 weight  grace  full  value
=====================  ======  =====  ====  ===============================================
approval_age           15      3      17    days the oldest open approval has waited
overdue_invoices       20      0      2     sent invoices unpaid after their due date
sla_missed             20      0      50    % of SLA targets decided in the last 30 days
                                            that were missed (first response and
                                            resolution each count as one target)
days_since_sign_in     15      7      37    days since any of the client's people last
                                            signed in (never: the full weight)
reopened_requests      10      0      5     requests created in the last 90 days that
                                            were reopened after being resolved
response_trend         10      0      100   % by which the median first response (business
                                            time) of the last 28 days is slower than that
                                            of the 28 days before (no answers in either
                                            window: no points)
csat_not_good          10      20     70    % of the client's satisfaction ratings first
                                            answered in the last 90 days that were not
                                            good (okay or bad), i.e. 100 - CSAT %; no
                                            ratings: no points (docs/satisfaction.md)
=====================  ======  =====  ====  ===============================================

The weights add up to 100, so a company failing on every signal scores 0.

An SLA target is *decided* when it is met (first response or resolution before its due
time) or when its due time passes without it. Sign-ins come from the activity log
(``auth.signed_in`` entries carry the client's company); ``User.last_login`` is not used
because API sign-ins (simplejwt, ``UPDATE_LAST_LOGIN`` off) never set it.

**Trend**: the same score computed as of 28 days earlier; ``trend`` is the difference.
``health_trend`` gives one company's score at each of the last weeks too, for its overview.
Every signal is read as of a point in time from timestamps (an approval is open at T if
asked before T and completed after it or not at all; an invoice is overdue at T if sent
before T, due before T's date and paid after T or not at all). Two signals are
approximations in the past: voided invoices never count (their voiding time is not
stored), and ``reopened_count`` counts reopenings up to now, not up to T.

All signals for all companies and both points in time come from one SQL query.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.approvals.models import ApprovalRequest
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.invoices.models import Invoice, InvoiceStatus
from tenant_apps.people.models import ClientCompany
from tenant_apps.satisfaction.models import Rating, Score

TREND_DAYS = 28
TREND_WEEKS = 8  # the weekly scores a client's overview draws
SLA_WINDOW_DAYS = 30
REOPENED_WINDOW_DAYS = 90
CSAT_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Signal:
    key: str
    label: str
    unit: str
    weight: int
    grace: float
    full: float
    none_is_worst: bool = False  # what a missing value (None) means

    def points(self, value: float | None) -> float:
        if value is None:
            severity = 1.0 if self.none_is_worst else 0.0
        else:
            severity = min(max((value - self.grace) / (self.full - self.grace), 0.0), 1.0)
        return round(self.weight * severity, 1)


SIGNALS = [
    Signal("approval_age", "Oldest open approval", "days", 15, 3, 17),
    Signal("overdue_invoices", "Overdue invoices", "invoices", 20, 0, 2),
    Signal("sla_missed", "SLA targets missed (30 days)", "%", 20, 0, 50),
    Signal("days_since_sign_in", "Days since last sign-in", "days", 15, 7, 37, True),
    Signal("reopened_requests", "Reopened requests (90 days)", "requests", 10, 0, 5),
    Signal("response_trend", "First response slower than the 28 days before", "%", 10, 0, 100),
    Signal("csat_not_good", "Ratings not good (90 days)", "%", 10, 20, 70),
]
SIGNALS_BY_KEY = {signal.key: signal for signal in SIGNALS}
assert sum(signal.weight for signal in SIGNALS) == 100


@dataclass(frozen=True)
class Part:
    signal: str  # Signal.key
    value: float | None
    weight: int
    points: float  # taken off 100

    @property
    def label(self) -> str:
        return SIGNALS_BY_KEY[self.signal].label

    @property
    def unit(self) -> str:
        return SIGNALS_BY_KEY[self.signal].unit


@dataclass(frozen=True)
class HealthScore:
    company_id: int
    score: int
    parts: list[Part]
    previous: int  # the score TREND_DAYS earlier
    as_of: datetime

    @property
    def trend(self) -> int:
        return self.score - self.previous


def score_of(values: dict[str, float | None]) -> tuple[int, list[Part]]:
    """The score and its parts from one company's signal values (keyed by Signal.key)."""
    parts = [
        Part(signal.key, values[signal.key], signal.weight, signal.points(values[signal.key]))
        for signal in SIGNALS
    ]
    return max(0, round(100 - sum(part.points for part in parts))), parts


def client_health(*, company_ids=None, as_of: datetime | None = None) -> dict[int, HealthScore]:
    """Health of the live (not archived) client companies, or of ``company_ids``, at ``as_of``
    (now by default), with the score TREND_DAYS earlier. One query (see signal_values)."""
    as_of = as_of or timezone.now()
    earlier = as_of - timedelta(days=TREND_DAYS)
    values = signal_values(company_ids=company_ids, points=[as_of, earlier])
    scores = {}
    for company_id, by_point in values.items():
        score, parts = score_of(by_point[as_of])
        previous, _ = score_of(by_point[earlier])
        scores[company_id] = HealthScore(company_id, score, parts, previous, as_of)
    return scores


@dataclass(frozen=True)
class WeeklyScore:
    as_of: datetime
    score: int


@dataclass(frozen=True)
class HealthTrend:
    current: HealthScore
    weekly: list[WeeklyScore]  # a week apart, oldest first, now last


def health_trend(company_id: int, *, weeks: int = TREND_WEEKS) -> HealthTrend | None:
    """``company_id``'s health now and its score at each of the ``weeks`` weeks before, all
    from the one query of signal_values; None for an archived company."""
    as_of = timezone.now()
    weekly = [as_of - timedelta(weeks=back) for back in range(weeks, -1, -1)]
    earlier = as_of - timedelta(days=TREND_DAYS)
    values = signal_values(company_ids=[company_id], points=sorted({*weekly, earlier}))
    if company_id not in values:
        return None
    by_point = values[company_id]
    score, parts = score_of(by_point[as_of])
    previous, _ = score_of(by_point[earlier])
    return HealthTrend(
        HealthScore(company_id, score, parts, previous, as_of),
        [WeeklyScore(point, score_of(by_point[point])[0]) for point in weekly],
    )


def signal_values(*, company_ids=None, points: list[datetime]) -> dict[int, dict]:
    """{company id: {point: {signal key: value}}} for each point in time, in one query."""
    tables = {
        "companies": ClientCompany._meta.db_table,
        "approvals": ApprovalRequest._meta.db_table,
        "invoices": Invoice._meta.db_table,
        "requests": ClientRequest._meta.db_table,
        "activity": ActivityEntry._meta.db_table,
        "ratings": Rating._meta.db_table,
    }
    only = "" if company_ids is None else "AND c.id = ANY(%(company_ids)s)"
    sql = SIGNALS_SQL.format(only=only, **tables)
    earliest = min(points)
    params = {
        "points": list(points),
        "created_after": earliest - timedelta(days=REOPENED_WINDOW_DAYS),
        "answered_after": earliest - timedelta(days=2 * TREND_DAYS),
        "due_after": earliest - timedelta(days=SLA_WINDOW_DAYS),
        "company_ids": list(company_ids or []),
        "sla_window": timedelta(days=SLA_WINDOW_DAYS),
        "reopened_window": timedelta(days=REOPENED_WINDOW_DAYS),
        "trend": timedelta(days=TREND_DAYS),
        "excluded": [InvoiceStatus.DRAFT, InvoiceStatus.VOID],
        "signed_in": "auth.signed_in",
        "csat_window": timedelta(days=CSAT_WINDOW_DAYS),
        "good": Score.GOOD,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    result: dict[int, dict] = {}
    for row in rows:
        company_id, point = row.pop("company_id"), row.pop("at")
        result.setdefault(company_id, {})[point] = row
    return result


# One row per (company, point in time). Each CTE aggregates one table per (company, point);
# the point is matched back exactly, since Python gave it.
SIGNALS_SQL = """
WITH points AS (SELECT unnest(%(points)s::timestamptz[]) AS at),
grid AS (
    SELECT c.id AS company_id, p.at FROM {companies} c CROSS JOIN points p
    WHERE NOT c.is_archived {only}
),
recent AS MATERIALIZED (
    -- One pass over the requests any window below can reach (a target is decided at or
    -- before its due time, so one decided in a window is due after the window starts),
    -- with when each SLA clock was decided (met, or its due time passed) and if it was missed.
    SELECT r.company_id, r.created_at, r.reopened_count, r.first_response_at,
           r.first_response_seconds,
           least(coalesce(r.first_response_at, 'infinity'), r.response_due_at) AS response_decided,
           r.first_response_at IS NULL OR r.first_response_at > r.response_due_at
               AS response_missed,
           least(coalesce(r.resolved_at, 'infinity'), r.resolution_due_at) AS resolution_decided,
           r.resolved_at IS NULL OR r.resolved_at > r.resolution_due_at AS resolution_missed
    FROM {requests} r
    WHERE r.created_at > %(created_after)s OR r.first_response_at > %(answered_after)s
       OR r.response_due_at > %(due_after)s OR r.resolution_due_at > %(due_after)s
),
approvals AS (
    SELECT a.company_id, p.at,
           floor(extract(epoch FROM max(p.at - a.created_at)) / 86400) AS oldest_days
    FROM {approvals} a JOIN points p
      ON a.created_at <= p.at AND (a.completed_at IS NULL OR a.completed_at > p.at)
    GROUP BY 1, 2
),
invoices AS (
    SELECT i.company_id, p.at, count(*) AS overdue
    FROM {invoices} i JOIN points p
      ON i.sent_at <= p.at AND i.due_date < p.at::date
     AND (i.paid_at IS NULL OR i.paid_at > p.at)
    WHERE i.status <> ALL(%(excluded)s)
    GROUP BY 1, 2
),
sla AS (
    SELECT r.company_id, p.at,
           count(*) FILTER (WHERE response) + count(*) FILTER (WHERE resolution) AS decided,
           count(*) FILTER (WHERE response AND r.response_missed)
           + count(*) FILTER (WHERE resolution AND r.resolution_missed) AS missed
    FROM recent r CROSS JOIN points p
    CROSS JOIN LATERAL (SELECT
        r.response_decided > p.at - %(sla_window)s AND r.response_decided <= p.at AS response,
        r.resolution_decided > p.at - %(sla_window)s AND r.resolution_decided <= p.at
            AS resolution) decided
    GROUP BY 1, 2
),
sign_ins AS (
    SELECT e.company_id, p.at, max(e.occurred_at) AS last_at
    FROM {activity} e JOIN points p ON e.occurred_at <= p.at
    WHERE e.action = %(signed_in)s AND e.company_id IS NOT NULL
    GROUP BY 1, 2
),
reopened AS (
    SELECT r.company_id, p.at, count(*) AS reopened
    FROM recent r JOIN points p
      ON r.created_at > p.at - %(reopened_window)s AND r.created_at <= p.at
    WHERE r.reopened_count > 0
    GROUP BY 1, 2
),
responses AS (
    SELECT r.company_id, p.at,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY r.first_response_seconds)
               FILTER (WHERE r.first_response_at > p.at - %(trend)s) AS recent,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY r.first_response_seconds)
               FILTER (WHERE r.first_response_at <= p.at - %(trend)s) AS prior
    FROM recent r JOIN points p
      ON r.first_response_at > p.at - 2 * %(trend)s AND r.first_response_at <= p.at
    WHERE r.first_response_seconds IS NOT NULL
    GROUP BY 1, 2
),
ratings AS (
    SELECT r.company_id, p.at,
           round(100.0 * count(*) FILTER (WHERE s.score <> %(good)s) / count(*), 1)
               AS not_good
    FROM {ratings} s JOIN {requests} r ON r.id = s.request_id
    JOIN points p
      ON s.first_answered_at <= p.at AND s.first_answered_at > p.at - %(csat_window)s
    GROUP BY 1, 2
)
SELECT g.company_id, g.at,
       coalesce(approvals.oldest_days, 0)::int AS approval_age,
       coalesce(invoices.overdue, 0)::int AS overdue_invoices,
       CASE WHEN sla.decided > 0 THEN round(100.0 * sla.missed / sla.decided, 1) ELSE 0 END
           ::float AS sla_missed,
       floor(extract(epoch FROM g.at - sign_ins.last_at) / 86400)::int AS days_since_sign_in,
       coalesce(reopened.reopened, 0)::int AS reopened_requests,
       CASE WHEN responses.prior > 0
            THEN round((100 * (responses.recent / responses.prior - 1))::numeric, 1)
       END::float AS response_trend,
       ratings.not_good::float AS csat_not_good
FROM grid g
LEFT JOIN approvals USING (company_id, at)
LEFT JOIN invoices USING (company_id, at)
LEFT JOIN sla USING (company_id, at)
LEFT JOIN sign_ins USING (company_id, at)
LEFT JOIN reopened USING (company_id, at)
LEFT JOIN responses USING (company_id, at)
LEFT JOIN ratings USING (company_id, at)
"""

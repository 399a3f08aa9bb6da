"""The help centre's deflection report: how often an article suggested while a client wrote a
request answered it, so the request was never sent.

A *writing* is one client writing one request with suggestions shown (the help centre's
``ref``), counted in the week its first suggestion was shown. It is *answered* when the client
said "This answered my question" on an article opened from those suggestions, and *deflected*
when it was answered and that client sent no request from the first suggestion until a day
after the answer (a request sent anyway is "asked anyway"). The deflection rate is deflected
writings over writings with suggestions.
"""

from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.help_centre.models import Article, EventKind, HelpEvent
from tenant_apps.people.models import ClientCompany
from tenant_apps.reports.filters import Filters
from tenant_apps.reports.results import Chart, Column, Report, Table
from tenant_apps.reports.selectors import _by_week, _percent, _rows, _split, _total, _week

TABLES = {
    "events": HelpEvent._meta.db_table,
    "articles": Article._meta.db_table,
    "requests": ClientRequest._meta.db_table,
    "companies": ClientCompany._meta.db_table,
}

WRITINGS_SQL = """
WITH writings AS (
    SELECT e.ref, min(e.user_id) AS user_id, min(e.company_id) AS company_id,
           min(e.created_at) FILTER (WHERE e.kind = %(suggested)s) AS suggested_at,
           bool_or(e.kind = %(opened)s) AS opened,
           min(e.created_at) FILTER (WHERE e.kind = %(answered)s) AS answered_at
    FROM {events} e
    GROUP BY e.ref
), judged AS (
    SELECT w.*, {week} AS week,
           w.answered_at IS NOT NULL AND EXISTS (
               SELECT 1 FROM {requests} r
               WHERE r.created_by_id = w.user_id AND r.created_at >= w.suggested_at
                 AND r.created_at < w.answered_at + interval '1 day'
           ) AS asked_anyway
    FROM writings w
    WHERE w.suggested_at >= %(start)s AND w.suggested_at < %(end)s {company_where}
)
SELECT CASE WHEN GROUPING(week) = 0 THEN 'week'
            WHEN GROUPING(company_id) = 0 THEN 'company' ELSE 'total' END AS grouping,
       week, company_id,
       (SELECT c.name FROM {companies} c WHERE c.id = company_id) AS client,
       count(*) AS writings,
       count(*) FILTER (WHERE opened) AS opened,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE asked_anyway) AS asked_anyway,
       count(*) FILTER (WHERE answered_at IS NOT NULL AND NOT asked_anyway) AS deflected,
       {rate} AS deflection_percent
FROM judged
GROUP BY GROUPING SETS ((week), (company_id), ())
ORDER BY week, client
"""

ARTICLES_SQL = """
SELECT CASE GROUPING(a.id) WHEN 1 THEN 'total' ELSE 'article' END AS grouping,
       a.title AS article,
       count(*) FILTER (WHERE e.kind = %(suggested)s) AS suggested,
       count(*) FILTER (WHERE e.kind = %(opened)s) AS opened,
       count(*) FILTER (WHERE e.kind = %(answered)s) AS answered
FROM {events} e JOIN {articles} a ON a.id = e.article_id
WHERE e.ref IN (
    SELECT ref FROM {events}
    WHERE kind = %(suggested)s AND created_at >= %(start)s AND created_at < %(end)s
) {company_where}
GROUP BY GROUPING SETS ((a.id, a.title), ())
-- The total first, so that the limit never cuts it.
ORDER BY GROUPING(a.id) DESC, answered DESC, suggested DESC, a.title
LIMIT %(limit)s
"""

ARTICLES_SHOWN = 50


def deflection(filters: Filters, *, all_articles: bool = False) -> Report:
    params = filters.params() | {
        "suggested": EventKind.SUGGESTED,
        "opened": EventKind.OPENED,
        "answered": EventKind.ANSWERED,
        "limit": None if all_articles else ARTICLES_SHOWN + 1,
    }
    rate = "count(*) FILTER (WHERE answered_at IS NOT NULL AND NOT asked_anyway)"
    rows = _rows(
        WRITINGS_SQL.replace("{events}", TABLES["events"])
        .replace("{requests}", TABLES["requests"])
        .replace("{companies}", TABLES["companies"]),
        params,
        week=_week("w.suggested_at"),
        rate=_percent(rate, "count(*)"),
        company_where=filters.where(company="w.company_id"),
    )
    weeks, companies, total = _split(rows, "week", "company", "total")
    article_rows = _rows(
        ARTICLES_SQL.replace("{events}", TABLES["events"]).replace(
            "{articles}", TABLES["articles"]
        ),
        params,
        company_where=filters.where(company="e.company_id"),
    )
    articles, article_total = _split(article_rows, "article", "total")
    article_empty = {"suggested": 0, "opened": 0, "answered": 0}
    figures = [
        Column("writings", "Requests written with suggestions"),
        Column("opened", "An article opened"),
        Column("answered", "Answered by an article"),
        Column("asked_anyway", "Asked anyway"),
        Column("deflected", "Deflected"),
        Column("deflection_percent", "Deflection rate %"),
    ]
    empty = {"writings": 0, "opened": 0, "answered": 0, "asked_anyway": 0, "deflected": 0}
    return Report(
        name="deflection",
        title="Help centre deflection",
        tables=[
            Table(
                "by_week",
                "By week",
                [Column("week", "Week of", numeric=False), *figures],
                [*_by_week(filters, weeks, empty), _total(total, empty, week="Whole period")],
                note="A request written with suggestions counts in the week its first "
                "suggestion was shown. Deflected: a suggested article answered it and no "
                "request was sent until a day after.",
            ),
            Table(
                "by_client",
                "By client",
                [Column("client", "Client", numeric=False), *figures],
                [*companies, _total(total, empty, client="All")],
            ),
            Table(
                "by_article",
                "By article",
                [
                    Column("article", "Article", numeric=False),
                    Column("suggested", "Suggested"),
                    Column("opened", "Opened"),
                    Column("answered", "Answered"),
                ],
                [*articles, _total(article_total, article_empty, article="All articles")],
                note="Each article counted once per request written. "
                + ("" if all_articles else f"The {ARTICLES_SHOWN} that answered most."),
            ),
        ],
        charts=[
            Chart(
                "deflection-chart",
                "Requests written with suggestions and deflected, by week",
                "bar",
                "by_week",
                "week",
                ("writings", "deflected"),
                unit="requests",
            )
        ],
    )

"""The CSAT report: ratings (good / okay / bad) per client, per owner and per request type.

CSAT % is the share of answers that were good: good / (good + okay + bad) x 100, rounded to
one decimal; none when nothing was rated. A rating counts in the period of its first answer
(a change later keeps it there). Owner and type are the request's as they are now. One
statement for the three tables and their totals (grouping sets).
"""

from tenant_apps.reports.filters import Filters
from tenant_apps.reports.results import Chart, Column, Report, Table
from tenant_apps.reports.selectors import _rows, _split, _total
from tenant_apps.satisfaction.models import Rating, Score

CSAT_SQL = """
SELECT CASE WHEN GROUPING(r.company_id) = 0 THEN 'company'
            WHEN GROUPING(r.owner_id) = 0 THEN 'owner'
            WHEN GROUPING(r.type_id) = 0 THEN 'type' ELSE 'total' END AS grouping,
       (SELECT c.name FROM {companies} c WHERE c.id = r.company_id) AS client,
       coalesce((SELECT coalesce(nullif(u.full_name, ''), u.email)
                 FROM {users} u WHERE u.id = r.owner_id), 'Unassigned') AS owner,
       (SELECT t.name FROM {types} t WHERE t.id = r.type_id) AS type,
       count(*) FILTER (WHERE s.score = %(good)s) AS good,
       count(*) FILTER (WHERE s.score = %(okay)s) AS okay,
       count(*) FILTER (WHERE s.score = %(bad)s) AS bad,
       count(*) AS answers,
       round(100.0 * count(*) FILTER (WHERE s.score = %(good)s) / nullif(count(*), 0), 1)
           AS csat_percent
FROM {ratings} s JOIN {requests} r ON r.id = s.request_id
WHERE s.first_answered_at >= %(start)s AND s.first_answered_at < %(end)s {where}
GROUP BY GROUPING SETS ((r.company_id), (r.owner_id), (r.type_id), ())
ORDER BY grouping, answers DESC, client, owner, type
"""

EMPTY = {"good": 0, "okay": 0, "bad": 0, "answers": 0, "csat_percent": None}
FIGURES = [
    Column("good", "Good"),
    Column("okay", "Okay"),
    Column("bad", "Bad"),
    Column("answers", "Answers"),
    Column("csat_percent", "CSAT %"),
]


def csat(filters: Filters) -> Report:
    """Answers per client, owner and request type in the period, and the CSAT % of each."""
    params = filters.params() | {"good": Score.GOOD, "okay": Score.OKAY, "bad": Score.BAD}
    where = filters.where(company="r.company_id", type="r.type_id", owner="r.owner_id")
    rows = _rows(CSAT_SQL, params, where=where, ratings=Rating._meta.db_table)
    companies, owners, types, total = _split(rows, "company", "owner", "type", "total")
    note = "CSAT % = good / all answers. Counted in the period of the first answer."

    def table(key, title, label, label_title, rows):
        return Table(
            key,
            title,
            [Column(label, label_title, numeric=False), *FIGURES],
            [*rows, _total(total, EMPTY, **{label: "All"})],
            note=note,
        )

    return Report(
        name="csat",
        title="Satisfaction (CSAT)",
        tables=[
            table("by_client", "By client", "client", "Client", companies),
            table("by_owner", "By owner", "owner", "Owner", owners),
            table("by_type", "By request type", "type", "Request type", types),
        ],
        charts=[
            Chart(
                "csat-chart",
                "Ratings per client",
                "bar",
                "by_client",
                "client",
                ("good", "okay", "bad"),
                stacked=True,
                horizontal=True,
                unit="answers",
            )
        ],
    )

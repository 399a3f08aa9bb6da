"""The activity log as CSV, written row by row so an export of any size streams."""

import csv
import json
from collections.abc import Iterator

from django.db.models import QuerySet

from tenant_apps.activity.models import ActivityEntry

HEADER = [
    "id",
    "time",
    "person",
    "action",
    "description",
    "object",
    "client",
    "changes",
    "ip_address",
    "user_agent",
    "entry_hash",
]
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _row(entry: ActivityEntry) -> list:
    return [
        entry.pk,
        entry.occurred_at.isoformat(),
        entry.actor_label,
        entry.action,
        entry.description,
        entry.object_label,
        entry.company.name if entry.company else "",
        json.dumps(entry.changes, sort_keys=True, ensure_ascii=False),
        entry.ip_address,
        entry.user_agent,
        entry.entry_hash,
    ]


class _Line:
    """A file whose write() hands the formatted line back, for csv.writer."""

    def write(self, line: str) -> str:
        return line


def csv_lines(entries: QuerySet[ActivityEntry]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    for entry in entries.order_by("-id").iterator(chunk_size=1000):
        yield writer.writerow([_cell(value) for value in _row(entry)])

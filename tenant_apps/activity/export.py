"""The activity log as CSV, written row by row so an export of any size streams."""

import json
from collections.abc import Iterator

from django.db.models import QuerySet

from shared_apps.core.csv_export import csv_lines as export_lines
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


def csv_lines(entries: QuerySet[ActivityEntry]) -> Iterator[str]:
    rows = (_row(entry) for entry in entries.order_by("-id").iterator(chunk_size=1000))
    return export_lines(HEADER, rows)

"""The codes retention writes to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field


def _kept_for(days) -> str:
    # Each side of a [before, after] change in turn.
    return "for good" if days is None else f"{days} days"


class RetentionAudit(AuditEvent):
    RETENTION_POLICY_CHANGED = (
        "retention.policy_changed",
        "Retention settings changed",
        "{actor} changed how long old records are kept",
    )
    # Written by the daily task, once per run that removed something.
    RETENTION_APPLIED = (
        "retention.applied",
        "Old records removed",
        "Old records were removed under the retention settings: closed {requests} "
        "{closed_requests}, old file versions {old_versions}, sign-in records {sign_ins}",
        "Old records were removed under the retention settings",
    )

    fields = nonmember(
        {
            "closed_requests_days": Field("Keep closed requests", _kept_for, clients=False),
            "old_versions_days": Field("Keep old file versions", _kept_for, clients=False),
            "sign_ins_days": Field("Keep sign-in records", _kept_for, clients=False),
            "closed_requests": Field("Closed requests removed", clients=False),
            "old_versions": Field("Old file versions removed", clients=False),
            "sign_ins": Field("Sign-in records removed", clients=False),
            "files": Field("Stored files removed", clients=False),
        }
    )

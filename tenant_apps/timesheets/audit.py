"""The codes time tracking and retainers write to the activity log, with their words."""

from enum import nonmember

from tenant_apps.activity.events import AuditEvent, Field


class TimeAudit(AuditEvent):
    TIME_LOGGED = "time.logged", "Time logged", "{actor} logged {object}"
    TIMER_STARTED = "time.timer_started", "Timer started", "{actor} started a timer: {object}"
    TIMER_STOPPED = "time.timer_stopped", "Timer stopped", "{actor} stopped a timer: {object}"
    TIME_INVOICED = (
        "time.invoiced",
        "Time invoiced",
        "{actor} turned billable time into the draft invoice {object}",
    )
    RETAINER_SET = (
        "retainer.set",
        "Retainer set",
        "{actor} set the {client}'s retainer: {object}",
    )
    RETAINER_REMOVED = (
        "retainer.removed",
        "Retainer removed",
        "{actor} removed the {client}'s retainer: {object}",
    )

    fields = nonmember(
        {
            "request": Field("Request"),
            "minutes": Field("Minutes"),
            "billable": Field("Billable"),
            "worked_on": Field("Day"),
            "hours_per_month": Field("Hours per month"),
            "rollover": Field("Rollover", "tenant_apps.timesheets.models.Rollover"),
            "rollover_cap_hours": Field("Rollover cap (hours)"),
        }
    )

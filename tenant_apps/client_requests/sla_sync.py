"""Keeps each request's stored SLA fields in step with its policy and timeline."""

from django.contrib.postgres.aggregates import ArrayAgg
from django.utils import timezone

from tenant_apps.client_requests.models import (
    OPEN_STATUSES,
    ClientRequest,
    SlaPolicy,
    SlaState,
    Status,
)
from tenant_apps.client_requests.sla import BusinessCalendar, business_time_elapsed, sla_status
from tenant_apps.client_requests.sla import SlaState as ClockState

# Worst first: the stored state is the worse of the response and resolution clocks.
SEVERITY = [ClockState.BREACHED, ClockState.AT_RISK, ClockState.ON_TRACK]


def sla_policy() -> SlaPolicy:
    """This workspace's policy (one row, made by migration 0002), with targets and holidays."""
    return SlaPolicy.objects.prefetch_related("targets", "holidays").get(pk=1)


def sla_calendar() -> BusinessCalendar:
    """The policy's business calendar, its holidays read in the same query: for lists, which
    show each request's clock on every load."""
    policy = SlaPolicy.objects.annotate(holiday_dates=ArrayAgg("holidays__date")).get(pk=1)
    # Without holidays the outer join gives one NULL.
    return policy.calendar(day for day in policy.holiday_dates if day is not None)


def sla_fields(request: ClientRequest, policy: SlaPolicy, now=None) -> dict:
    """The SLA columns for ``request``, from its pauses (prefetched or queried)."""
    now = now or timezone.now()
    calendar = policy.calendar(h.date for h in policy.holidays.all())
    pauses = [(p.paused_at, p.resumed_at) for p in request.pauses.all()]
    resolved_at = (
        request.resolved_at if request.status in (Status.RESOLVED, Status.CLOSED) else None
    )
    durations = {
        "first_response_seconds": _business_seconds(
            calendar, request, request.first_response_at, pauses
        ),
        "resolution_seconds": _business_seconds(calendar, request, resolved_at, pauses),
    }
    target = next((t for t in policy.targets.all() if t.priority == request.priority), None)
    if target is None:
        return {
            "sla_state": SlaState.NONE,
            "response_due_at": None,
            "resolution_due_at": None,
            **durations,
        }
    response = sla_status(
        calendar,
        request.created_at,
        target.first_response,
        now,
        pauses,
        completed_at=request.first_response_at,
    )
    resolution = sla_status(
        calendar,
        request.created_at,
        target.resolution,
        now,
        pauses,
        completed_at=resolved_at,
    )
    clocks = [resolution] if request.first_response_at else [response, resolution]
    worst = min((clock.state for clock in clocks), key=SEVERITY.index)
    if request.status not in OPEN_STATUSES:
        state = SlaState.BREACHED if worst == ClockState.BREACHED else SlaState.MET
    elif request.status == Status.WAITING_ON_CLIENT and worst != ClockState.BREACHED:
        state = SlaState.PAUSED
    else:
        state = SlaState(worst.value)
    return {
        "sla_state": state,
        "response_due_at": response.due_at,
        "resolution_due_at": resolution.due_at,
        **durations,
    }


def _business_seconds(calendar, request, completed_at, pauses) -> int | None:
    if completed_at is None:
        return None
    elapsed = business_time_elapsed(calendar, request.created_at, completed_at, pauses)
    return int(elapsed.total_seconds())


def sla_refresh(request: ClientRequest, policy: SlaPolicy | None = None) -> None:
    """Recompute and save ``request``'s SLA columns."""
    fields = sla_fields(request, policy or sla_policy())
    for name, value in fields.items():
        setattr(request, name, value)
    request.save(update_fields=list(fields))

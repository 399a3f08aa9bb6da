"""SLA arithmetic in business time.

Business time is the time inside an agency's daily opening window, on its working days,
outside its holidays, in its own time zone. This module is pure: aware datetimes in, aware
UTC datetimes out. Naive datetimes are refused with ValueError.

Opening hours are local wall times, turned into instants one local date at a time, so a day
on which the clocks change is shorter or longer in real time. A window boundary is the first
instant at which the local clock shows that wall time or later:

- an ambiguous time (clocks go back) falls on its first occurrence (zoneinfo's fold=0);
- a nonexistent time (clocks go forward) falls on the instant of the jump, so a window that
  opens in the gap opens when the clocks jump, and one lying wholly in the gap is empty.

That mapping never puts a later wall time before an earlier one, so windows never overlap
and each local date's window ends before the next date's begins.
"""

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

AT_RISK_PERCENT = 75

Pause = tuple[datetime, datetime | None]
"""(paused_at, resumed_at); resumed_at None while the request still waits on the client."""

_ZERO = timedelta()
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: ZoneInfo
    working_days: frozenset[int] = frozenset(range(5))  # 0 = Monday
    opens: time = time(9)
    closes: time = time(17)
    holidays: frozenset[date] = frozenset()  # local dates

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, ZoneInfo):
            raise ValueError(f"timezone must be a ZoneInfo, got {self.timezone!r}")
        # Callers may pass any iterable (a list from a model field); the calendar stays hashable.
        object.__setattr__(self, "working_days", frozenset(self.working_days))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.working_days:
            raise ValueError("a business calendar needs at least one working day")
        if not self.working_days <= frozenset(range(7)):
            raise ValueError("working days are numbered 0 (Monday) to 6 (Sunday)")
        # A datetime is a date too, but never equal to one, so it would silently match nothing.
        if any(isinstance(day, datetime) or not isinstance(day, date) for day in self.holidays):
            raise ValueError("holidays must be dates, not datetimes")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening hours are local wall times and take no tzinfo")
        if self.closes <= self.opens:
            raise ValueError("the closing time must be after the opening time")

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The UTC instants at which local date `day` opens and closes; None on a closed day."""
        if day.weekday() not in self.working_days or day in self.holidays:
            return None
        return (
            _first_instant_showing(self.timezone, datetime.combine(day, self.opens)),
            _first_instant_showing(self.timezone, datetime.combine(day, self.closes)),
        )


class SlaState(enum.StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"


@dataclass(frozen=True)
class SlaStatus:
    state: SlaState
    elapsed: timedelta  # business time the clock ran
    remaining: timedelta  # target - elapsed; negative once over
    fraction_used: float  # elapsed / target
    paused: bool  # a pause is in force at the evaluation point
    completed: bool
    # When the target is (or was) used up, assuming the clock keeps running from the evaluation
    # point; None while paused short of the target, as the clock may never restart.
    due_at: datetime | None


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Business time in [start, end); zero when end <= start."""
    start, end = _as_utc("start", start), _as_utc("end", end)
    total = _ZERO
    if end <= start:
        return total
    for opens, closes in _windows(calendar, start):
        if opens >= end:
            break
        total += max(min(closes, end) - max(opens, start), _ZERO)
    return total


def add_business_time(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest instant (UTC) by which `duration` of business time has passed since `start`.

    A zero duration gives `start` itself, even outside business hours. A positive one always
    ends inside a window or exactly at its close (at Friday 17:00, not Monday 09:00), and
    `business_time_between(c, s, add_business_time(c, s, d)) == d`.
    """
    start = _as_utc("start", start)
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    if not duration:
        return start
    left = duration
    windows = _windows(calendar, start)
    while True:
        opens, closes = next(windows)
        begin = max(opens, start)
        if left <= closes - begin:
            return begin + left
        left -= max(closes - begin, _ZERO)


def business_time_elapsed(
    calendar: BusinessCalendar, start: datetime, now: datetime, pauses: Iterable[Pause] = ()
) -> timedelta:
    """Business time in [start, now) during which no pause was in force.

    Pauses may be unsorted and overlapping; parts outside [start, now) do not count.
    """
    start, now = _as_utc("start", start), _as_utc("now", now)
    return sum(
        (
            business_time_between(calendar, run_start, run_end)
            for run_start, run_end in _clock_runs(start, now, _checked_pauses(pauses))
        ),
        _ZERO,
    )


def sla_status(
    calendar: BusinessCalendar,
    started_at: datetime,
    target: timedelta,
    now: datetime,
    pauses: Iterable[Pause] = (),
    completed_at: datetime | None = None,
) -> SlaStatus:
    """Where a request stands against a business-time target.

    Breached means the evaluation point is past due_at (so a request due Friday at close is
    breached on Saturday though no business time was overspent). At risk means more than
    AT_RISK_PERCENT of the target is used, short of a breach. With completed_at, everything is
    evaluated at completion instead of now and stays fixed; a completed request is then either
    breached or on track, as there is nothing left to be at risk of. Pauses starting after the
    evaluation point are ignored.
    """
    started_at, now = _as_utc("started_at", started_at), _as_utc("now", now)
    if target <= _ZERO:
        raise ValueError(f"target must be positive, got {target}")
    pauses = _checked_pauses(pauses)
    if completed_at is not None:
        now = _as_utc("completed_at", completed_at)
    paused = any(p <= now and (r is None or r > now) for p, r in pauses)

    elapsed = _ZERO
    due_at = None
    for run_start, run_end in _clock_runs(started_at, now, pauses):
        spent = business_time_between(calendar, run_start, run_end)
        if due_at is None and elapsed + spent >= target:
            due_at = add_business_time(calendar, run_start, target - elapsed)
        elapsed += spent
    if due_at is None and not paused:
        due_at = add_business_time(calendar, max(now, started_at), target - elapsed)

    if due_at is not None and now > due_at:
        state = SlaState.BREACHED
    elif completed_at is None and elapsed * 100 > target * AT_RISK_PERCENT:
        state = SlaState.AT_RISK
    else:
        state = SlaState.ON_TRACK
    return SlaStatus(
        state=state,
        elapsed=elapsed,
        remaining=target - elapsed,
        fraction_used=elapsed / target,
        paused=paused,
        completed=completed_at is not None,
        due_at=due_at,
    )


def promise_date(
    calendar: BusinessCalendar,
    started_at: datetime,
    target: timedelta,
    now: datetime,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """The "we'll respond by" instant shown to clients: sla_status(...).due_at."""
    return sla_status(calendar, started_at, target, now, pauses).due_at


def _as_utc(name: str, value: datetime) -> datetime:
    # Working in UTC throughout sidesteps Python's datetime comparisons around a repeated hour:
    # with a shared tzinfo they compare wall times, fold ignored, and across zones such a time
    # is never equal to anything.
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


def _checked_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    checked = []
    for paused_at, resumed_at in pauses:
        paused_at = _as_utc("paused_at", paused_at)
        if resumed_at is not None:
            resumed_at = _as_utc("resumed_at", resumed_at)
            if resumed_at < paused_at:
                raise ValueError(f"pause resumed at {resumed_at} before it began at {paused_at}")
        checked.append((paused_at, resumed_at))
    return checked


def _clock_runs(
    start: datetime, until: datetime, pauses: list[Pause]
) -> list[tuple[datetime, datetime]]:
    """The spans of [start, until) in which no pause was in force, in order."""
    runs = []
    cursor = start
    for paused_at, resumed_at in sorted(pauses, key=lambda pause: pause[0]):
        if paused_at >= until:
            break
        if paused_at > cursor:
            runs.append((cursor, paused_at))
        cursor = max(cursor, until if resumed_at is None else resumed_at)
    if cursor < until:
        runs.append((cursor, until))
    return runs


def _windows(calendar: BusinessCalendar, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Every open window, in order, from the one that may contain `since` on; never ends."""
    # An earlier local date's window closes by the first instant of the next date, which is
    # no later than `since` because the local clock at `since` already shows this date.
    day = since.astimezone(calendar.timezone).date()
    one_day = timedelta(days=1)
    while True:
        window = calendar.window(day)
        if window:
            yield window
        day += one_day


def _first_instant_showing(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first instant (UTC) at which the clock in `zone` shows `wall` or later."""
    wall = wall.replace(fold=0)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if _wall_clock(zone, instant) == wall:
        return instant  # fold=0 already gives the first of two ambiguous readings
    # The clocks skipped `wall`: fold=0 read it with the old offset, an instant after the jump,
    # and fold=1 with the new one, an instant before it. Bisect down to the jump itself.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after = instant
    while after - before > _MICROSECOND:
        middle = before + (after - before) // 2
        if _wall_clock(zone, middle) < wall:
            before = middle
        else:
            after = middle
    return after


def _wall_clock(zone: ZoneInfo, instant: datetime) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)

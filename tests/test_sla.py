"""SLA arithmetic in business time: worked examples, then properties checked with hypothesis.

Pure arithmetic: no database, no Django.
"""

import dataclasses
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tenant_apps.client_requests.sla import (
    BusinessCalendar,
    SlaState,
    add_business_time,
    business_time_between,
    business_time_elapsed,
    promise_date,
    sla_status,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
CHATHAM = ZoneInfo("Pacific/Chatham")

OFFICE = BusinessCalendar(LONDON)  # Monday to Friday, 09:00 to 17:00
EVERY_DAY = frozenset(range(7))
ROUND_THE_CLOCK = BusinessCalendar(LONDON, EVERY_DAY, time(0), time(23, 59))

HOURS = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
MICROSECOND = timedelta(microseconds=1)


def at(zone, *fields, fold=0):
    return datetime(*fields, tzinfo=zone, fold=fold)


def utc(*fields):
    return datetime(*fields, tzinfo=UTC)


# 2026-01-09 is a Friday.
FRIDAY_4PM = at(LONDON, 2026, 1, 9, 16)
MONDAY = date(2026, 1, 12)


def london(day, hour, minute=0):
    return at(LONDON, day.year, day.month, day.day, hour, minute)


# ---------------------------------------------------------------- examples: adding business time


def test_friday_afternoon_request_with_two_hours_is_due_monday_morning():
    due = add_business_time(OFFICE, FRIDAY_4PM, 2 * HOURS)

    assert due == london(MONDAY, 10)
    assert due.tzinfo is UTC


def test_a_holiday_monday_pushes_the_due_time_to_tuesday():
    calendar = dataclasses.replace(OFFICE, holidays=frozenset({MONDAY}))

    assert add_business_time(calendar, FRIDAY_4PM, 2 * HOURS) == london(date(2026, 1, 13), 10)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (london(MONDAY, 10), london(MONDAY, 11)),  # inside the window
        (london(MONDAY, 7), london(MONDAY, 10)),  # before it opens
        (london(MONDAY, 18), london(date(2026, 1, 13), 10)),  # after it closes
        (london(MONDAY, 17), london(date(2026, 1, 13), 10)),  # exactly at closing
        (london(date(2026, 1, 14), 11), london(date(2026, 1, 15), 10)),  # on a holiday
        (london(date(2026, 1, 10), 12), london(MONDAY, 10)),  # on a Saturday
    ],
    ids=["inside", "before", "after", "at-close", "holiday", "weekend"],
)
def test_one_business_hour_from_various_starts(start, due):
    calendar = dataclasses.replace(OFFICE, holidays=frozenset({date(2026, 1, 14)}))

    assert add_business_time(calendar, start, HOURS) == due
    assert business_time_between(calendar, start, due) == HOURS


def test_a_duration_ending_at_closing_time_is_due_at_close_not_next_morning():
    assert add_business_time(OFFICE, london(MONDAY, 9), 8 * HOURS) == london(MONDAY, 17)


def test_zero_duration_is_the_start_itself_even_outside_business_hours():
    saturday = london(date(2026, 1, 10), 12)

    assert add_business_time(OFFICE, saturday, timedelta()) == saturday


def test_business_time_between_counts_only_open_hours():
    assert business_time_between(OFFICE, FRIDAY_4PM, london(MONDAY, 10)) == 2 * HOURS
    assert business_time_between(OFFICE, london(MONDAY, 10), FRIDAY_4PM) == timedelta()
    # A whole week: five eight-hour days.
    assert business_time_between(OFFICE, london(MONDAY, 0), london(MONDAY, 0) + timedelta(7)) == (
        40 * HOURS
    )


def test_a_window_from_midnight_to_one_minute_to_midnight_leaves_that_minute_out():
    night = london(MONDAY, 23, 58)

    assert add_business_time(ROUND_THE_CLOCK, night, 2 * MINUTE) == london(MONDAY, 0) + timedelta(
        days=1, minutes=1
    )
    assert business_time_between(ROUND_THE_CLOCK, night, night + timedelta(days=1)) == (
        timedelta(hours=23, minutes=59)
    )


def test_inputs_in_any_zone_give_the_same_instant():
    in_tokyo = FRIDAY_4PM.astimezone(ZoneInfo("Asia/Tokyo"))

    assert add_business_time(OFFICE, in_tokyo, 2 * HOURS) == london(MONDAY, 10)


# ---------------------------------------------------------------- examples: time zones and DST


def test_office_hours_across_the_march_change_in_london():
    # Clocks go forward on Sunday 2026-03-29; Monday 10:00 is then 09:00 UTC.
    due = add_business_time(OFFICE, at(LONDON, 2026, 3, 27, 16), 2 * HOURS)

    assert due == utc(2026, 3, 30, 9)


def test_office_hours_across_the_october_change_in_london():
    # Clocks go back on Sunday 2026-10-25; Friday 16:00 is 15:00 UTC, Monday 10:00 is 10:00 UTC.
    due = add_business_time(OFFICE, at(LONDON, 2026, 10, 23, 16), 2 * HOURS)

    assert due == utc(2026, 10, 26, 10)


@pytest.mark.parametrize(
    ("day", "length"),
    [
        (date(2026, 3, 29), timedelta(hours=22, minutes=59)),  # an hour skipped
        (date(2026, 10, 25), timedelta(hours=24, minutes=59)),  # an hour repeated
        (date(2026, 6, 1), timedelta(hours=23, minutes=59)),
    ],
)
def test_a_round_the_clock_day_in_london_is_as_long_as_the_clocks_make_it(day, length):
    start = at(LONDON, day.year, day.month, day.day)

    assert business_time_between(ROUND_THE_CLOCK, start, start + timedelta(days=2)) == (
        length + timedelta(hours=23, minutes=59)
    )


def test_office_hours_across_both_changes_in_new_york():
    office = BusinessCalendar(NEW_YORK)

    # Forward on Sunday 2026-03-08: Monday 10:00 EDT is 14:00 UTC.
    assert add_business_time(office, at(NEW_YORK, 2026, 3, 6, 16), 2 * HOURS) == utc(2026, 3, 9, 14)
    # Back on Sunday 2026-11-01: Monday 10:00 EST is 15:00 UTC.
    assert add_business_time(office, at(NEW_YORK, 2026, 10, 30, 16), 2 * HOURS) == utc(
        2026, 11, 2, 15
    )


def test_new_york_night_window_spanning_the_changes():
    night = BusinessCalendar(NEW_YORK, EVERY_DAY, time(1), time(4))

    # 01:00 EST to 04:00 EDT is two real hours; 01:00 EDT to 04:00 EST is four.
    assert night.window(date(2026, 3, 8)) == (utc(2026, 3, 8, 6), utc(2026, 3, 8, 8))
    assert night.window(date(2026, 11, 1)) == (utc(2026, 11, 1, 5), utc(2026, 11, 1, 9))
    assert add_business_time(night, utc(2026, 3, 8, 6), 2 * HOURS + MINUTE) == utc(2026, 3, 9, 5, 1)


def test_a_boundary_the_clocks_skip_falls_on_the_jump():
    # On 2026-03-08 New York jumps from 02:00 EST (07:00 UTC) to 03:00 EDT.
    opens_in_gap = BusinessCalendar(NEW_YORK, EVERY_DAY, time(2, 30), time(4))
    inside_gap = BusinessCalendar(NEW_YORK, EVERY_DAY, time(2, 10), time(2, 50))

    assert opens_in_gap.window(date(2026, 3, 8)) == (utc(2026, 3, 8, 7), utc(2026, 3, 8, 8))
    assert inside_gap.window(date(2026, 3, 8)) == (utc(2026, 3, 8, 7), utc(2026, 3, 8, 7))
    # The empty day is skipped: the next window is Monday's 02:10 to 02:50 EDT.
    assert add_business_time(inside_gap, utc(2026, 3, 8, 6), MINUTE) == utc(2026, 3, 9, 6, 11)


def test_an_ambiguous_boundary_falls_on_its_first_occurrence():
    # On 2026-11-01 New York shows 01:00-02:00 twice: first EDT (05:00 UTC), then EST.
    calendar = BusinessCalendar(NEW_YORK, EVERY_DAY, time(1, 30), time(1, 45))

    assert calendar.window(date(2026, 11, 1)) == (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 5, 45))


def test_kolkata_half_hour_offset():
    # Monday to Saturday, 09:30 to 18:00 at +05:30; 2026-01-10 is a Saturday.
    calendar = BusinessCalendar(KOLKATA, frozenset(range(6)), time(9, 30), time(18))

    due = add_business_time(calendar, at(KOLKATA, 2026, 1, 10, 17), 3 * HOURS)

    assert due == at(KOLKATA, 2026, 1, 12, 11, 30)
    assert due == utc(2026, 1, 12, 6)


def test_chatham_office_hours_across_its_september_change():
    # Chatham moves from +12:45 to +13:45 on Sunday 2026-09-27 at 02:45.
    due = add_business_time(BusinessCalendar(CHATHAM), at(CHATHAM, 2026, 9, 25, 16), 2 * HOURS)

    assert due == at(CHATHAM, 2026, 9, 28, 10)
    assert due == utc(2026, 9, 27, 20, 15)


def test_chatham_night_windows_across_its_changes():
    night = BusinessCalendar(CHATHAM, EVERY_DAY, time(2), time(5))
    opens_in_gap = BusinessCalendar(CHATHAM, EVERY_DAY, time(3), time(5))

    # Forward at 02:45 +12:45 (14:00 UTC the day before): two real hours.
    assert night.window(date(2026, 9, 27)) == (utc(2026, 9, 26, 13, 15), utc(2026, 9, 26, 15, 15))
    assert opens_in_gap.window(date(2026, 9, 27)) == (
        utc(2026, 9, 26, 14),
        utc(2026, 9, 26, 15, 15),
    )
    # Back at 03:45 +13:45 to 02:45 +12:45 on 2026-04-05: four real hours.
    assert night.window(date(2026, 4, 5)) == (utc(2026, 4, 4, 12, 15), utc(2026, 4, 4, 16, 15))


def test_apia_skipped_a_whole_day():
    # Samoa jumped from the end of 2011-12-29 straight to 2011-12-31.
    apia = ZoneInfo("Pacific/Apia")
    calendar = BusinessCalendar(apia, EVERY_DAY, time(9), time(17))

    opens, closes = calendar.window(date(2011, 12, 30))
    assert opens == closes
    assert add_business_time(calendar, at(apia, 2011, 12, 29, 16), 2 * HOURS) == at(
        apia, 2011, 12, 31, 10
    )


def test_two_years_take_milliseconds():
    started = clock.perf_counter()
    two_years = business_time_between(OFFICE, FRIDAY_4PM, FRIDAY_4PM + timedelta(days=730))
    due = add_business_time(OFFICE, FRIDAY_4PM, two_years)
    assert business_time_between(OFFICE, FRIDAY_4PM, due) == two_years
    # Both walk ~730 days at a few microseconds each; a minute-by-minute walk would take seconds.
    assert clock.perf_counter() - started < 0.2


# ---------------------------------------------------------------- examples: pauses and status


def test_a_pause_over_the_weekend_changes_nothing():
    weekend = [(at(LONDON, 2026, 1, 9, 17, 30), london(MONDAY, 8))]

    assert promise_date(OFFICE, FRIDAY_4PM, 2 * HOURS, london(MONDAY, 9, 30), weekend) == (
        london(MONDAY, 10)
    )


def test_a_pause_during_business_hours_extends_the_due_time_exactly():
    pauses = [(london(MONDAY, 9, 15), london(MONDAY, 9, 45))]

    status = sla_status(OFFICE, FRIDAY_4PM, 2 * HOURS, london(MONDAY, 10), pauses)

    assert status.due_at == london(MONDAY, 10, 30)
    assert status.elapsed == timedelta(hours=1, minutes=30)
    assert not status.paused


def test_while_paused_the_clock_stops_and_there_is_no_promise_date():
    pauses = [(london(MONDAY, 9, 15), None)]

    status = sla_status(OFFICE, FRIDAY_4PM, 2 * HOURS, london(MONDAY, 16), pauses)

    assert status.paused
    assert status.due_at is None
    assert status.elapsed == timedelta(hours=1, minutes=15)
    assert status.state == SlaState.ON_TRACK


def test_unsorted_overlapping_pauses_count_once():
    pauses = [
        (london(MONDAY, 10), london(MONDAY, 11)),
        (london(MONDAY, 9, 30), london(MONDAY, 10, 30)),
        (london(MONDAY, 10, 15), london(MONDAY, 10, 45)),
    ]

    elapsed = business_time_elapsed(OFFICE, london(MONDAY, 9), london(MONDAY, 12), pauses)

    assert elapsed == timedelta(hours=1, minutes=30)


@pytest.mark.parametrize(
    ("now", "state", "remaining"),
    [
        (london(MONDAY, 15), SlaState.ON_TRACK, 2 * HOURS),  # exactly 75% used
        (london(MONDAY, 15) + MICROSECOND, SlaState.AT_RISK, 2 * HOURS - MICROSECOND),
        (london(MONDAY, 17), SlaState.AT_RISK, timedelta()),  # due this very instant
        (london(MONDAY, 17, 30), SlaState.BREACHED, timedelta()),  # past due, after hours
        (london(date(2026, 1, 13), 9, 1), SlaState.BREACHED, -MINUTE),
    ],
)
def test_state_thresholds_for_an_eight_hour_target(now, state, remaining):
    status = sla_status(OFFICE, london(MONDAY, 9), 8 * HOURS, now)

    assert (status.state, status.remaining) == (state, remaining)
    assert status.due_at == london(MONDAY, 17)


def test_a_request_paused_after_its_breach_stays_breached_with_its_due_time():
    pauses = [(london(MONDAY, 12), None)]

    status = sla_status(OFFICE, london(MONDAY, 9), 2 * HOURS, london(MONDAY, 16), pauses)

    assert status.paused
    assert status.state == SlaState.BREACHED
    assert status.due_at == london(MONDAY, 11)


def test_a_target_used_up_just_as_a_pause_begins_was_due_then():
    pauses = [(london(MONDAY, 11), None)]

    status = sla_status(OFFICE, london(MONDAY, 9), 2 * HOURS, london(MONDAY, 12), pauses)

    assert (status.due_at, status.remaining) == (london(MONDAY, 11), timedelta())
    assert status.state == SlaState.BREACHED


def test_completion_freezes_the_status():
    start = london(MONDAY, 9)
    week_later = start + timedelta(days=7)

    in_time = sla_status(OFFICE, start, 8 * HOURS, week_later, completed_at=london(MONDAY, 16))
    late = sla_status(OFFICE, start, 8 * HOURS, week_later, completed_at=london(MONDAY, 17, 1))

    # 87.5% used, but a completed request has nothing left to be at risk of.
    assert (in_time.state, in_time.elapsed, in_time.completed) == (
        SlaState.ON_TRACK,
        7 * HOURS,
        True,
    )
    assert in_time.due_at == london(MONDAY, 17)
    assert (late.state, late.elapsed) == (SlaState.BREACHED, 8 * HOURS)


# ---------------------------------------------------------------- examples: refused input

NAIVE = datetime(2026, 1, 12, 9)  # noqa: DTZ001 - naive on purpose


@pytest.mark.parametrize(
    "call",
    [
        lambda: business_time_between(OFFICE, NAIVE, FRIDAY_4PM),
        lambda: business_time_between(OFFICE, FRIDAY_4PM, NAIVE),
        lambda: add_business_time(OFFICE, NAIVE, HOURS),
        lambda: business_time_elapsed(OFFICE, FRIDAY_4PM, NAIVE),
        lambda: business_time_elapsed(OFFICE, NAIVE, FRIDAY_4PM),
        lambda: business_time_elapsed(OFFICE, FRIDAY_4PM, FRIDAY_4PM, [(NAIVE, None)]),
        lambda: sla_status(OFFICE, FRIDAY_4PM, HOURS, FRIDAY_4PM, [(FRIDAY_4PM, NAIVE)]),
        lambda: sla_status(OFFICE, FRIDAY_4PM, HOURS, FRIDAY_4PM, completed_at=NAIVE),
        lambda: promise_date(OFFICE, NAIVE, HOURS, FRIDAY_4PM),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"working_days": frozenset()}, "at least one working day"),
        ({"working_days": frozenset({7})}, "0 \\(Monday\\) to 6"),
        ({"opens": time(17)}, "closing time must be after"),
        ({"opens": time(18)}, "closing time must be after"),
        ({"closes": time(17, tzinfo=UTC)}, "local wall times"),
        ({"holidays": frozenset({datetime(2026, 1, 12, tzinfo=UTC)})}, "dates, not datetimes"),
        ({"timezone": "Europe/London"}, "ZoneInfo"),
    ],
)
def test_invalid_calendars_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(OFFICE, **changes)


def test_calendar_accepts_any_iterable_and_stays_hashable():
    calendar = BusinessCalendar(LONDON, [0, 1, 2], holidays=[MONDAY])

    assert calendar.working_days == frozenset({0, 1, 2})
    assert hash(calendar) == hash(BusinessCalendar(LONDON, {0, 1, 2}, holidays={MONDAY}))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: add_business_time(OFFICE, FRIDAY_4PM, -MICROSECOND), "must not be negative"),
        (lambda: sla_status(OFFICE, FRIDAY_4PM, timedelta(), FRIDAY_4PM), "must be positive"),
        (
            lambda: business_time_elapsed(
                OFFICE, FRIDAY_4PM, FRIDAY_4PM, [(FRIDAY_4PM, FRIDAY_4PM - MINUTE)]
            ),
            "before it began",
        ),
    ],
)
def test_impossible_durations_and_pauses_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- properties
#
# Calendars come from zones with unusual rules: half-hour and 45-minute offsets, a 30-minute DST
# step (Lord Howe), negative DST (Dublin), changes at midnight (Santiago, Beirut, Sao Paulo until
# 2019) and a skipped day (Apia). Instants cluster around an anchor date, often a DST change, so
# windows, holidays, pauses and clock changes actually meet.

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "America/New_York",
    "America/Sao_Paulo",
    "America/Santiago",
    "Asia/Kolkata",
    "Asia/Beirut",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Apia",
]
FIRST_DAY, LAST_DAY = date(2010, 1, 1), date(2030, 12, 31)
# Where DST changes happen, plus the hours at which opening hours are usually set.
NOTABLE_TIMES = [time(h, m) for h in range(5) for m in (0, 30, 45)] + [
    time(9),
    time(17),
    time(23, 59),
]

# No deadline: the first examples also pay for imports and caches.
properties = settings(max_examples=120, deadline=None)
oracles = settings(max_examples=50, deadline=None)


def dst_changes(zone):
    """(local date, wall times around the change) for each change of UTC offset in range."""
    changes = []
    week = datetime.combine(FIRST_DAY, time(), tzinfo=UTC)
    while week.date() < LAST_DAY:
        early, late = week, week + timedelta(7)
        if early.astimezone(zone).utcoffset() != late.astimezone(zone).utcoffset():
            # Offsets change on whole minutes: bisect to the first minute of the new one.
            while late - early > MINUTE:
                middle = early + (late - early) // MINUTE // 2 * MINUTE
                same = middle.astimezone(zone).utcoffset() == early.astimezone(zone).utcoffset()
                early, late = (middle, late) if same else (early, middle)
            left = (early.astimezone(zone) + MINUTE).replace(tzinfo=None, fold=0)  # shown no more
            reached = late.astimezone(zone).replace(tzinfo=None, fold=0)  # shown just after
            edges = {left, reached, left + (reached - left) / 2}  # the middle: skipped or repeated
            times = sorted({t.time() for edge in edges for t in (edge - 15 * MINUTE, edge)})
            changes.append((min(left, reached).date(), times))
        week += timedelta(7)
    return changes


ANY_DAY = st.dates(FIRST_DAY, LAST_DAY).map(lambda day: (day, []))
CHANGES = {
    zone: st.sampled_from(changes)
    for zone in map(ZoneInfo, ZONES)
    if (changes := dst_changes(zone))
}
ZONE_ANCHORS = st.sampled_from(
    [(ZoneInfo(name), ANY_DAY) for name in ZONES]
    + [(zone, ANY_DAY | changes) for zone, changes in CHANGES.items()]
)
WALL_TIMES = st.sampled_from(NOTABLE_TIMES) | st.builds(
    time, st.integers(0, 23), st.integers(0, 59)
)
WORKING_DAYS = st.frozensets(st.integers(0, 6), min_size=1)
HOLIDAY_OFFSETS = st.frozensets(st.integers(-3, 30), max_size=8)
DAY_OFFSETS = st.integers(-1, 1) | st.integers(-2, 30)
BOUNDARIES = st.sampled_from(["opens", "closes", None])
FOLDS = st.sampled_from([0, 1])
NUDGES = st.sampled_from([timedelta(), MICROSECOND, -MICROSECOND]) | st.timedeltas(-HOURS, HOURS)
OUTPUT_ZONES = st.sampled_from([UTC, None, ZoneInfo("Asia/Tokyo")])  # None: the calendar's own
PAUSE_MINUTES = st.none() | st.integers(0, 3 * 24 * 60)


@dataclasses.dataclass
class Scenario:
    calendar: BusinessCalendar
    anchor: date

    def day(self, offset):
        return self.anchor + timedelta(days=offset)


@st.composite
def scenarios(draw, *, on_dst_change=False):
    """A calendar and an anchor date; on_dst_change: a working day on which the clocks change."""
    if on_dst_change:
        zone = draw(st.sampled_from(list(CHANGES)))
        anchor, change_times = draw(CHANGES[zone])
    else:
        zone, anchors = draw(ZONE_ANCHORS)
        anchor, change_times = draw(anchors)
    # On a DST change, opening hours often sit right where the clocks jump.
    walls = st.sampled_from(change_times) | WALL_TIMES if change_times else WALL_TIMES
    opens, closes = sorted(draw(st.lists(walls, min_size=2, max_size=2, unique=True)))
    working_days = draw(WORKING_DAYS)
    holidays = {anchor + timedelta(n) for n in draw(HOLIDAY_OFFSETS)}
    if on_dst_change:
        working_days |= {anchor.weekday()}
        holidays.discard(anchor)
    return Scenario(BusinessCalendar(zone, working_days, opens, closes, holidays), anchor)


@st.composite
def instants(draw, scenario, *, whole_minutes=False):
    """An aware instant within a few weeks of the anchor, in a random zone."""
    calendar = scenario.calendar
    boundary = draw(BOUNDARIES)
    wall = draw(WALL_TIMES) if boundary is None else getattr(calendar, boundary)
    local = datetime.combine(scenario.day(draw(DAY_OFFSETS)), wall, tzinfo=calendar.timezone)
    instant = local.replace(fold=draw(FOLDS)).astimezone(UTC)
    if not whole_minutes:
        instant += draw(NUDGES)
    return instant.astimezone(draw(OUTPUT_ZONES) or calendar.timezone)


@st.composite
def durations(draw, scenario):
    """Up to three nominal weeks of business time, often in whole minutes."""
    calendar = scenario.calendar
    window = datetime.combine(date.min, calendar.closes) - datetime.combine(
        date.min, calendar.opens
    )
    weeks = 3 * len(calendar.working_days) * window
    return draw(
        st.timedeltas(timedelta(), weeks)
        | st.builds(lambda n: n * MINUTE, st.integers(0, weeks // MINUTE))
    )


@st.composite
def pause_lists(draw, scenario, *, whole_minutes=False):
    pauses = []
    for _ in range(draw(st.integers(0, 4))):
        paused_at = draw(instants(scenario, whole_minutes=whole_minutes))
        minutes = draw(PAUSE_MINUTES)
        resumed_at = None if minutes is None else paused_at.astimezone(UTC) + minutes * MINUTE
        pauses.append((paused_at, resumed_at))
    return pauses


def chronological(instants):
    # Sorting by UTC: Python compares datetimes sharing a tzinfo by wall time, ignoring fold.
    return sorted(instants, key=lambda instant: instant.astimezone(UTC))


def business_minutes(calendar, start, end, pauses=()):
    """Oracle: count business minutes one at a time, straight from the definition.

    An instant is in the window of local date D when the clock has by then shown (D, opens) but
    not yet (D, closes), i.e. the latest wall time shown so far lies in [opens, closes) on D.
    Everything is in whole minutes, so checking each minute's first instant is exact.
    """
    zone = calendar.timezone
    # A day earlier is enough: even after a backward jump the clock never again shows a time
    # as late as `start` does.
    t = start.astimezone(UTC) - timedelta(days=1)
    latest = t.astimezone(zone).replace(tzinfo=None)
    count = 0
    while t < end:
        latest = max(latest, t.astimezone(zone).replace(tzinfo=None))
        open_now = (
            latest.weekday() in calendar.working_days
            and latest.date() not in calendar.holidays
            and calendar.opens <= latest.time() < calendar.closes
        )
        paused = any(p <= t and (r is None or t < r) for p, r in pauses)
        if t >= start and open_now and not paused:
            count += 1
        t += MINUTE
    return count * MINUTE


@properties
@given(st.data())
def test_adding_then_measuring_gives_back_the_duration(data):
    scenario = data.draw(scenarios())
    start = data.draw(instants(scenario))
    duration = data.draw(durations(scenario))

    due = add_business_time(scenario.calendar, start, duration)

    assert due.tzinfo is UTC
    assert business_time_between(scenario.calendar, start, due) == duration
    if not duration:
        assert due == start.astimezone(UTC)  # a repeated-hour time equals nothing in another zone


@properties
@given(st.data())
def test_adding_ends_inside_a_window_or_at_its_close(data):
    scenario = data.draw(scenarios())
    calendar = scenario.calendar
    start = data.draw(instants(scenario))
    duration = data.draw(durations(scenario))
    assume(duration)

    due = add_business_time(calendar, start, duration)

    # The microsecond just before lies in a window of its own local date, so due is never at an
    # opening (the previous close would have been earlier) nor outside.
    window = calendar.window((due - MICROSECOND).astimezone(calendar.timezone).date())
    assert window is not None
    opens, closes = window
    assert opens < due <= closes
    # And it is the earliest such instant.
    if due - MICROSECOND >= start:
        assert business_time_between(calendar, start, due - MICROSECOND) < duration


@properties
@given(st.data())
def test_adding_is_monotonic_in_duration_and_start(data):
    scenario = data.draw(scenarios())
    calendar = scenario.calendar
    early, late = chronological(data.draw(st.lists(instants(scenario), min_size=2, max_size=2)))
    short, long = sorted(data.draw(st.lists(durations(scenario), min_size=2, max_size=2)))

    assert add_business_time(calendar, early, short) <= add_business_time(calendar, early, long)
    assert add_business_time(calendar, early, short) <= add_business_time(calendar, late, short)


@properties
@given(st.data())
def test_business_time_is_additive(data):
    scenario = data.draw(scenarios())
    calendar = scenario.calendar
    a, b, c = chronological(data.draw(st.lists(instants(scenario), min_size=3, max_size=3)))

    assert business_time_between(calendar, a, b) + business_time_between(
        calendar, b, c
    ) == business_time_between(calendar, a, c)
    assert business_time_between(calendar, c, a) == timedelta()


@properties
@given(st.data())
def test_a_closed_day_contributes_nothing(data):
    scenario = data.draw(scenarios())
    day = scenario.day(data.draw(st.integers(-2, 30)))
    calendar = scenario.calendar
    closed = dataclasses.replace(calendar, holidays=calendar.holidays | {day})

    def midnight(d):
        # Both readings of a midnight the clocks skip or repeat, so the span stays inside `day`.
        return [
            datetime.combine(d, time(fold=fold), tzinfo=calendar.timezone).astimezone(UTC)
            for fold in (0, 1)
        ]

    day_start = max(midnight(day))
    day_end = min(midnight(day + timedelta(1)))
    assert business_time_between(closed, day_start, day_end) == timedelta()


@oracles
@given(st.data())
def test_business_time_matches_a_minute_by_minute_count(data):
    scenario = data.draw(scenarios())
    start = data.draw(instants(scenario, whole_minutes=True))
    end = start.astimezone(UTC) + data.draw(st.integers(0, 2 * 24 * 60)) * MINUTE

    assert business_time_between(scenario.calendar, start, end) == business_minutes(
        scenario.calendar, start, end
    )


@oracles
@given(scenarios(on_dst_change=True))
def test_days_when_the_clocks_change_match_a_minute_by_minute_count(scenario):
    start = datetime.combine(scenario.day(-1), time(), tzinfo=UTC)
    end = start + timedelta(days=3)

    assert business_time_between(scenario.calendar, start, end) == business_minutes(
        scenario.calendar, start, end
    )


@oracles
@given(st.data())
def test_elapsed_matches_a_minute_by_minute_count_with_pauses(data):
    scenario = data.draw(scenarios())
    start = data.draw(instants(scenario, whole_minutes=True))
    now = start.astimezone(UTC) + data.draw(st.integers(0, 2 * 24 * 60)) * MINUTE
    pauses = data.draw(pause_lists(scenario, whole_minutes=True))

    assert business_time_elapsed(scenario.calendar, start, now, pauses) == business_minutes(
        scenario.calendar, start, now, pauses
    )


@properties
@given(st.data())
def test_pauses_only_ever_reduce_elapsed_time(data):
    scenario = data.draw(scenarios())
    calendar = scenario.calendar
    start, now = chronological(data.draw(st.lists(instants(scenario), min_size=2, max_size=2)))
    pauses = data.draw(pause_lists(scenario))

    elapsed = [
        business_time_elapsed(calendar, start, now, pauses[:n]) for n in range(len(pauses) + 1)
    ]

    assert elapsed[0] == business_time_between(calendar, start, now)
    assert elapsed == sorted(elapsed, reverse=True)
    assert business_time_elapsed(calendar, start, now, pauses[::-1] + pauses) == elapsed[-1]


@properties
@given(st.data())
def test_status_without_pauses(data):
    scenario = data.draw(scenarios())
    calendar = scenario.calendar
    start, now = data.draw(instants(scenario)), data.draw(instants(scenario))
    now_utc = now.astimezone(UTC)  # compared with start below, perhaps in the same zone
    target = data.draw(durations(scenario).filter(bool))

    status = sla_status(calendar, start, target, now)

    assert status.elapsed == business_time_between(calendar, start, now)
    assert status.remaining == target - status.elapsed
    assert status.fraction_used == status.elapsed / target
    assert status.due_at == add_business_time(calendar, start, target)
    assert status.due_at == promise_date(calendar, start, target, now)
    assert not status.paused
    breached = now > status.due_at
    if breached:
        expected = SlaState.BREACHED
    elif status.elapsed * 4 > target * 3:
        expected = SlaState.AT_RISK
    else:
        expected = SlaState.ON_TRACK
    assert status.state == expected
    if status.elapsed > target:
        assert breached
    if breached:
        assert status.elapsed >= target
    elif now_utc >= start:
        assert business_time_between(calendar, now, status.due_at) == status.remaining


@properties
@given(st.data())
def test_status_with_pauses(data):
    scenario = data.draw(scenarios())
    calendar = scenario.calendar
    start, now = chronological(data.draw(st.lists(instants(scenario), min_size=2, max_size=2)))
    now_utc = now.astimezone(UTC)  # compared with pause times below, perhaps in the same zone
    pauses = [(p, r) for p, r in data.draw(pause_lists(scenario)) if p <= now_utc]
    target = data.draw(durations(scenario).filter(bool))

    status = sla_status(calendar, start, target, now, pauses)

    assert status.elapsed == business_time_elapsed(calendar, start, now, pauses)
    assert status.paused == any(p <= now_utc and (r is None or now_utc < r) for p, r in pauses)
    if status.due_at is None:
        assert status.paused
        assert status.elapsed < target
        assert status.state != SlaState.BREACHED
    else:
        # The target is used up exactly at due_at, and not a microsecond earlier.
        assert business_time_elapsed(calendar, start, status.due_at, pauses) == target
        if status.due_at - MICROSECOND >= start:
            assert (
                business_time_elapsed(calendar, start, status.due_at - MICROSECOND, pauses) < target
            )
        assert (status.state == SlaState.BREACHED) == (now > status.due_at)


@properties
@given(st.data())
def test_completion_is_the_status_at_that_moment_without_a_risk(data):
    scenario = data.draw(scenarios())
    calendar = scenario.calendar
    start, completed, now = chronological(
        data.draw(st.lists(instants(scenario), min_size=3, max_size=3))
    )
    pauses = data.draw(pause_lists(scenario))
    target = data.draw(durations(scenario).filter(bool))

    final = sla_status(calendar, start, target, now, pauses, completed_at=completed)
    then = sla_status(calendar, start, target, completed, pauses)

    assert final.completed
    assert final.state == (SlaState.ON_TRACK if then.state == SlaState.AT_RISK else then.state)
    assert dataclasses.replace(final, state=then.state, completed=False) == then

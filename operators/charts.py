"""Small line charts drawn on the server as inline SVG (no script, no library): each one's
shape and words; the template draws it, with the figures as a table beside it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, HEIGHT, PAD = 600, 140, 6


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    points: str  # the polyline's "x,y x,y ..."; empty when there is nothing to draw
    limit_y: float | None  # where the plan's limit runs, when it is within the drawing
    description: str  # what the chart shows, in words, for screen readers
    top_label: str  # the figure the top of the drawing stands for


def line_chart(
    *,
    key: str,
    title: str,
    rows: list,
    value: Callable,
    text: Callable[[float], str],
    first_day: date,
    days: int,
    limit: float | None = None,
) -> Chart:
    """``rows`` (usage rows with ``day``, oldest first) drawn by ``value(row)`` across
    ``days`` days from ``first_day``; a day without a row is left out of the line."""
    values = [(row.day, value(row)) for row in rows]
    top = max([v for _, v in values] + ([limit] if limit is not None else []) + [1])

    def x(day: date) -> float:
        return round(PAD + (day - first_day).days * (WIDTH - 2 * PAD) / max(days - 1, 1), 1)

    def y(amount: float) -> float:
        return round(HEIGHT - PAD - amount * (HEIGHT - 2 * PAD) / top, 1)

    points = " ".join(f"{x(day)},{y(amount)}" for day, amount in values)
    if values:
        latest_day, latest = values[-1]
        lowest, highest = min(v for _, v in values), max(v for _, v in values)
        description = (
            f"{title} over the {days} days to {latest_day:%-d %B %Y}: from {text(values[0][1])} "
            f"to {text(latest)}, lowest {text(lowest)}, highest {text(highest)}"
            + (f"; the plan allows {text(limit)}." if limit is not None else "; no plan limit.")
        )
    else:
        description = f"{title}: no figures gathered in the last {days} days."
    return Chart(
        key=key,
        title=title,
        points=points,
        limit_y=y(limit) if limit is not None else None,
        description=description,
        top_label=text(top),
    )


def first_day_of(days: int, today: date) -> date:
    return today - timedelta(days=days - 1)

"""The first rows of a list with how many it holds, in one query: for summaries such as a
client's overview, which show a few rows of each list and link to the rest."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Window


@dataclass(frozen=True)
class Sample:
    items: list
    total: int
    counts: dict[str, int] = field(default_factory=dict)  # the ``counts`` asked for


def sample(queryset: QuerySet, limit: int, **counts: Q) -> Sample:
    """The first ``limit`` rows of ``queryset`` in its order, its total, and how many of its
    rows match each of ``counts`` (name -> condition). The totals are window counts, taken
    over every row before the limit, so the query costs the same for any number of rows."""
    windows = {f"sample_{name}": Window(Count("pk", filter=q)) for name, q in counts.items()}
    rows = list(queryset.annotate(sample_total=Window(Count("pk")), **windows)[:limit])
    if not rows:
        return Sample([], 0, dict.fromkeys(counts, 0))
    first = rows[0]
    return Sample(
        rows, first.sample_total, {name: getattr(first, f"sample_{name}") for name in counts}
    )

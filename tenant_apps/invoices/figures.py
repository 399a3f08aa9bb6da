"""Tax per rate: pure arithmetic on invoice lines, for the actions (which store the totals),
the pages and the PDF (which show each rate's tax)."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tenant_apps.invoices.currencies import Currency, money_round

if TYPE_CHECKING:
    from tenant_apps.invoices.models import InvoiceLine


@dataclass(frozen=True)
class TaxLine:
    """The tax at one rate: its name and percentage, the lines' amount it is on, the tax."""

    name: str
    percent: Decimal
    base: Decimal
    amount: Decimal

    @property
    def label(self) -> str:
        """ "VAT 20%" """
        return f"{self.name} {self.percent.normalize():f}%"


def tax_lines(rows: Iterable["InvoiceLine"], currency: Currency) -> list[TaxLine]:
    """The tax per rate of ``rows``: each rate's percentage of the sum of its lines, rounded
    half up once per rate (not per line). Lines without a rate bear no tax."""
    bases: dict[tuple, Decimal] = {}
    for row in rows:
        if row.tax_rate_id is None:
            continue
        rate = row.tax_rate
        key = (rate.name, row.tax_percent)
        bases[key] = bases.get(key, Decimal(0)) + row.amount
    ordered = sorted(bases.items(), key=lambda item: (item[0][1], item[0][0]))  # lowest first
    return [
        TaxLine(name, percent, base, money_round(base * percent / 100, currency))
        for (name, percent), base in ordered
    ]

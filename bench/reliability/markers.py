"""The load run's leak markers: every item the seed and the simulated people write carries one
in its title, name or body, saying whose it is, so that a response holding someone else's is
found by a regular expression (bench/reliability/locustfile.py checks every response).

``mk-a03-c02-req7``: agency 3, client company 2, visible to that company's people and to the
team of agency 3 who see company 2. Company 0 is the agency itself (its name, its team's
names): anyone of the agency may see it. A flag after the company narrows it:

- ``t``, team only: internal notes, internal folders and documents, internal threads;
- ``f``, invoice readers: the team and the company's client admins and finance people.

No Django here: the locust process imports it too.
"""

import re
from dataclasses import dataclass

TEAM_ONLY = "t"
INVOICE_READERS = "f"
MARKER = re.compile(rb"mk-a(\d{2})-c(\d{2})([tf]?)-")


def marker(agency: int, company: int, tag: str, flag: str = "") -> str:
    return f"mk-a{agency:02d}-c{company:02d}{flag}-{tag}"


@dataclass(frozen=True)
class Viewer:
    """Whose markers a signed-in person may meet."""

    agency: int
    is_team: bool
    companies: frozenset[int] | None  # None: all of the agency's clients
    reads_invoices: bool

    def may_see(self, agency: int, company: int, flag: str) -> bool:
        if agency != self.agency:
            return False
        if company and self.companies is not None and company not in self.companies:
            return False
        if flag == TEAM_ONLY:
            return self.is_team
        if flag == INVOICE_READERS:
            return self.is_team or self.reads_invoices
        return True


def markers_in(body: bytes) -> set[tuple[int, int, str]]:
    """The distinct (agency, company, flag) of the markers in ``body``."""
    return {
        (int(agency), int(company), flag.decode()) for agency, company, flag in MARKER.findall(body)
    }

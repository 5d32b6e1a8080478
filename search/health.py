"""Which offered services the probes last found unreachable: read from the database at query
time, like staleness (search/freshness.py).

A service's health moves with every probe run (directory/probes/), every five minutes, while
its listing does not: storing it in the index would re-index hosts all day long. Search reads
this small set instead (the services whose last check failed, never more than the services
offered: bounded at 10,000), keeps it for a short while, and forgets it at once when this
process commits a new outcome. A service never checked, or whose last check could not conclude
("unknown": asked to wait, our own resolver failed), counts as reachable.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory.models import ProbeState
from directory.probes.checks import FAILING

MAX_SERVICES = 10_000
_versions = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Health:
    """The services whose last check failed. `version` tells snapshots whether what they
    derived from it (a bitmap, the day's order) is still current."""

    down: frozenset[int] = field(default_factory=frozenset)
    version: int = 0

    def reachable(self, service_id: int) -> bool:
        return service_id not in self.down


ALL_REACHABLE = Health()


def read_health(session: Session, previous: Health | None = None) -> Health:
    """The current set; `previous` itself when nothing changed (its derived data stays)."""
    statement = (
        select(ProbeState.service_id)
        .where(ProbeState.last_outcome.in_(FAILING))
        .order_by(ProbeState.service_id)
        .limit(MAX_SERVICES)
    )
    down = frozenset(session.exec(statement).all())
    if previous is not None and previous.down == down:
        return previous
    return Health(down, next(_versions))

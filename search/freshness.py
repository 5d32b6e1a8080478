"""When each host's ChatonsInfos file was last read well: read from the database at query time.

Staleness moves every day while nothing else does, so it is not stored in the index: a host
whose file is read well every morning would otherwise be re-indexed every morning (all of them,
at 10,000 hosts). Search reads this small map instead (one row per organization file), keeps
it for a minute, and forgets it at once when this process commits a new confirmed day.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from directory.models import Source

NO_END = 2**31 - 1  # no file: the host cannot go stale
_versions = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Confirmations:
    """Organization id → date ordinal of its file's last good read (the oldest, if several).
    `version` tells snapshots whether what they derived from it is still current."""

    days: dict[int, int] = field(default_factory=dict)
    version: int = 0

    def day_of(self, organization_id: int) -> int:
        return self.days.get(organization_id, NO_END)


NO_CONFIRMATIONS = Confirmations()


def read_confirmations(session: Session, previous: Confirmations | None = None) -> Confirmations:
    """The current map; `previous` itself when nothing changed (its derived data stays)."""
    statement = select(Source.organization_id, Source.last_success_at).where(
        Source.kind == "organization",
        Source.organization_id != None,  # noqa: E711
    )
    days: dict[int, int] = {}
    for organization_id, success in session.exec(statement):
        day = success.date().toordinal() if success else date.min.toordinal()
        days[organization_id] = min(day, days.get(organization_id, day))
    if previous is not None and previous.days == days:
        return previous
    return Confirmations(days, next(_versions))

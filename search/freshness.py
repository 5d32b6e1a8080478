"""When each host's listing was last confirmed: read from the database at query time.

Staleness counts from the last confirmation of a listing (`Organization.confirmed_at`, see
directory/staleness.py): a good read of one of its files, a save or a "still right" click in
the dashboard, a moderator's confirmation. It moves every day while nothing else does, so it is
not stored in the index: a host whose file is read well every morning would otherwise be
re-indexed every morning (all of them, at 10,000 hosts). Search reads this small map instead
(one row per organization), keeps it for a minute, and forgets it at once when this process
commits a new confirmation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory.models import Organization

NO_END = 2**31 - 1  # not known yet (created after the map was read): not stale
_versions = itertools.count(1)


@dataclass(frozen=True, eq=False)
class Confirmations:
    """Organization id → date ordinal of its listing's last confirmation.
    `version` tells snapshots whether what they derived from it is still current."""

    days: dict[int, int] = field(default_factory=dict)
    version: int = 0

    def day_of(self, organization_id: int) -> int:
        return self.days.get(organization_id, NO_END)


NO_CONFIRMATIONS = Confirmations()


def read_confirmations(session: Session, previous: Confirmations | None = None) -> Confirmations:
    """The current map; `previous` itself when nothing changed (its derived data stays)."""
    statement = select(Organization.id, Organization.confirmed_at)
    days = {
        organization_id: at.date().toordinal() for organization_id, at in session.exec(statement)
    }
    if previous is not None and previous.days == days:
        return previous
    return Confirmations(days, next(_versions))

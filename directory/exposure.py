"""The exposure ledger: per organization and day, how often it was shown on a first page of
results and how often someone went on to it. It feeds fair ordering (a host that had more
than its share this week steps back) and "pick one for me" (fewer referrals, more likely).

Counting happens in memory and is written in one transaction every few seconds, so a search
page does not wait for a database write; several workers add up (the writes are increments).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from directory.models import ExposureDay


class ExposureLedger:
    def __init__(self, flush_interval: float = 10.0) -> None:
        self.flush_interval = flush_interval
        self._lock = threading.Lock()
        self._shown: Counter[tuple[int, date]] = Counter()
        self._clicks: Counter[tuple[int, date]] = Counter()
        self._last_flush = time.monotonic()

    def note_shown(self, organization_ids, day: date | None = None) -> None:
        day = day or date.today()
        with self._lock:
            for organization_id in set(organization_ids):
                self._shown[(organization_id, day)] += 1

    def note_click(self, organization_id: int, day: date | None = None) -> None:
        with self._lock:
            self._clicks[(organization_id, day or date.today())] += 1

    def due(self) -> bool:
        return time.monotonic() - self._last_flush >= self.flush_interval

    def flush(self, session: Session) -> int:
        """Write what was counted since the last flush; returns the rows touched."""
        with self._lock:
            shown, clicks = self._shown, self._clicks
            self._shown, self._clicks = Counter(), Counter()
            self._last_flush = time.monotonic()
        # One atomic increment per row, in one order in every process: workers and nodes
        # writing the same rows neither lose counts nor deadlock (they did on PostgreSQL).
        keys = sorted(set(shown) | set(clicks))
        table = ExposureDay.__table__
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        for organization_id, day in keys:
            statement = dialect.insert(table).values(
                organization_id=organization_id,
                day=day,
                shown=shown[(organization_id, day)],
                clicks=clicks[(organization_id, day)],
            )
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.organization_id, table.c.day],
                    set_={
                        "shown": table.c.shown + statement.excluded.shown,
                        "clicks": table.c.clicks + statement.excluded.clicks,
                    },
                )
            )
        session.commit()
        return len(keys)


@dataclass(frozen=True)
class Share:
    organization_id: int
    shown: int
    clicks: int
    share: float  # of all referrals in the period


def referrals(session: Session, days: int, today: date | None = None) -> dict[int, Share]:
    """Shown and click counts per organization over the last `days` days, with shares."""
    today = today or date.today()
    rows = session.exec(
        select(
            ExposureDay.organization_id,
            func.sum(ExposureDay.shown),
            func.sum(ExposureDay.clicks),
        )
        .where(ExposureDay.day > today - timedelta(days=days))
        .group_by(ExposureDay.organization_id)
    ).all()
    total = sum(clicks or 0 for _org, _shown, clicks in rows) or 0
    return {
        org: Share(org, shown or 0, clicks or 0, (clicks or 0) / total if total else 0.0)
        for org, shown, clicks in rows
    }


def over_their_share(
    session: Session, hosts: int, cap: float, today: date | None = None
) -> frozenset[int]:
    """Organizations that received more than `cap` times an equal share of this week's
    referrals (an equal share is 1 / the number of hosts with offers)."""
    if hosts <= 0 or cap <= 0:
        return frozenset()
    week = referrals(session, 7, today)
    limit = cap / hosts
    return frozenset(org for org, share in week.items() if share.clicks and share.share > limit)

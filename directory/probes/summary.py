"""What the public sees of the probes: per service, is it reachable, since when it is not, its
availability measured over 30 days, the days of that window, its certificate when it is close to
expiring, and the software seen beside the software declared.

Read in batches for the services a page shows (a page of results, a host's services): a few
grouped queries per page, not a few per service. The clock is a parameter (`now`). No Flask
here: the web layer words it (relative times, percentages, the bar).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from directory.models import ProbeCheck, ProbeHour, ProbeState, Service
from directory.probes.checks import AVAILABLE, CERTIFICATE_WARNING_DAYS, FAILING, UNKNOWN

WINDOW_DAYS = 30


@dataclass(frozen=True)
class Day:
    """One day of the availability bar: checks that counted, and how many found it up."""

    day: date
    counted: int = 0
    up: int = 0

    @property
    def share(self) -> float | None:
        return self.up / self.counted if self.counted else None


@dataclass
class ServiceHealth:
    service_id: int
    checked_at: datetime | None = None  # the last check (None: never checked)
    outcome: str | None = None
    uptime: float | None = None  # over WINDOW_DAYS days, 0.0 to 1.0 (None: nothing counted)
    down_since: datetime | None = None  # when unreachable: the first failed check in a row
    certificate_expires_at: datetime | None = None  # only when it expires soon
    observed_software: str | None = None
    observed_version: str | None = None
    days: list[Day] = field(default_factory=list)  # the bar, oldest first (when asked)

    @property
    def checked(self) -> bool:
        return self.checked_at is not None

    @property
    def days_up(self) -> int:
        """Days of the bar on which every counted check found it available."""
        return sum(1 for day in self.days if day.counted and day.up == day.counted)

    @property
    def days_with_failures(self) -> list[Day]:
        return [day for day in self.days if day.up < day.counted]

    @property
    def days_unchecked(self) -> int:
        return sum(1 for day in self.days if not day.counted)

    @property
    def reachable(self) -> bool:
        """A service never checked, or whose last check could not conclude, counts as
        reachable (search/health.py reads the same rule)."""
        return self.outcome not in FAILING


def unreachable(session: Session, service_id: int) -> bool:
    """Whether the service's last check failed (/go/ then never sends anyone there)."""
    outcome = session.exec(
        select(ProbeState.last_outcome).where(ProbeState.service_id == service_id)
    ).first()
    return outcome in FAILING


def health_of(
    session: Session, service_ids: Iterable[int], now: datetime, days: bool = False
) -> dict[int, ServiceHealth]:
    """Each service's health (with the days of its bar when `days`)."""
    ids = sorted(set(service_ids))
    if not ids:
        return {}
    found = {service_id: ServiceHealth(service_id) for service_id in ids}
    states = session.exec(select(ProbeState).where(ProbeState.service_id.in_(ids))).all()
    soon = now + timedelta(days=CERTIFICATE_WARNING_DAYS)
    for state in states:
        health = found[state.service_id]
        health.checked_at = state.last_checked_at
        health.outcome = state.last_outcome
        health.observed_software = state.observed_software
        health.observed_version = state.observed_version
        expires = state.certificate_expires_at
        if expires is not None and expires <= soon:
            health.certificate_expires_at = expires
    for service_id, share in uptimes(session, ids, WINDOW_DAYS, now).items():
        found[service_id].uptime = share
    down = [h.service_id for h in found.values() if h.checked and not h.reachable]
    for service_id, since in down_since(session, down, now).items():
        found[service_id].down_since = since
    if days:
        for service_id, bar in daily(session, ids, WINDOW_DAYS, now).items():
            found[service_id].days = bar
    return found


def uptimes(session: Session, ids: list[int], days: int, now: datetime) -> dict[int, float | None]:
    """history.uptime for several services at once (the same rule: "unknown" does not count)."""
    since = now - timedelta(days=days)
    counted: dict[int, int] = dict.fromkeys(ids, 0)
    up: dict[int, int] = dict.fromkeys(ids, 0)
    raw = session.exec(
        select(ProbeCheck.service_id, ProbeCheck.outcome, func.count())
        .where(
            ProbeCheck.service_id.in_(ids),
            ProbeCheck.checked_at > since,
            ProbeCheck.checked_at <= now,
            ProbeCheck.outcome != UNKNOWN,
        )
        .group_by(ProbeCheck.service_id, ProbeCheck.outcome)
    ).all()
    for service_id, outcome, n in raw:
        counted[service_id] += n
        up[service_id] += n if outcome in AVAILABLE else 0
    folded = session.exec(
        select(ProbeHour.service_id, func.sum(ProbeHour.counted), func.sum(ProbeHour.up))
        .where(ProbeHour.service_id.in_(ids), ProbeHour.hour >= since, ProbeHour.hour <= now)
        .group_by(ProbeHour.service_id)
    ).all()
    for service_id, n, n_up in folded:
        counted[service_id] += int(n or 0)
        up[service_id] += int(n_up or 0)
    return {i: (up[i] / counted[i] if counted[i] else None) for i in ids}


def down_since(session: Session, ids: list[int], now: datetime) -> dict[int, datetime]:
    """For services whose last check failed: the first failed check since they were last
    seen available (raw checks, then the hourly buckets once those were folded)."""
    if not ids:
        return {}
    last_up: dict[int, datetime] = {}
    for service_id, at in session.exec(
        select(ProbeCheck.service_id, func.max(ProbeCheck.checked_at))
        .where(ProbeCheck.service_id.in_(ids), ProbeCheck.outcome.in_(AVAILABLE))
        .group_by(ProbeCheck.service_id)
    ).all():
        last_up[service_id] = at
    for service_id, hour in session.exec(
        select(ProbeHour.service_id, func.max(ProbeHour.hour))
        .where(ProbeHour.service_id.in_(ids), ProbeHour.up > 0)
        .group_by(ProbeHour.service_id)
    ).all():
        if service_id not in last_up:  # a raw check is always more recent than a bucket
            last_up[service_id] = hour
    epoch = now - timedelta(days=365 * 100)
    after = [
        and_(ProbeCheck.service_id == i, ProbeCheck.checked_at > last_up.get(i, epoch)) for i in ids
    ]
    found = dict(
        session.exec(
            select(ProbeCheck.service_id, func.min(ProbeCheck.checked_at))
            .where(or_(*after), ProbeCheck.outcome.in_(FAILING), ProbeCheck.checked_at <= now)
            .group_by(ProbeCheck.service_id)
        ).all()
    )
    # Failures folded already (older than every raw check) begin the outage earlier.
    hours = [and_(ProbeHour.service_id == i, ProbeHour.hour > last_up.get(i, epoch)) for i in ids]
    for service_id, hour in session.exec(
        select(ProbeHour.service_id, func.min(ProbeHour.hour))
        .where(or_(*hours), ProbeHour.counted > ProbeHour.up)
        .group_by(ProbeHour.service_id)
    ).all():
        if service_id not in found or hour < found[service_id]:
            found[service_id] = hour
    return found


def daily(session: Session, ids: list[int], days: int, now: datetime) -> dict[int, list[Day]]:
    """Each service's last `days` days (UTC, today last): checks counted and up per day."""
    first = now.date() - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    counts: dict[tuple[int, date], list[int]] = {}

    def add(service_id: int, day, counted: int, up: int) -> None:
        key = (service_id, day if isinstance(day, date) else date.fromisoformat(str(day)[:10]))
        total = counts.setdefault(key, [0, 0])
        total[0] += counted
        total[1] += up

    raw_day = func.date(ProbeCheck.checked_at)
    for service_id, day, outcome, n in session.exec(
        select(ProbeCheck.service_id, raw_day, ProbeCheck.outcome, func.count())
        .where(
            ProbeCheck.service_id.in_(ids),
            ProbeCheck.checked_at >= since,
            ProbeCheck.checked_at <= now,
            ProbeCheck.outcome != UNKNOWN,
        )
        .group_by(ProbeCheck.service_id, raw_day, ProbeCheck.outcome)
    ).all():
        add(service_id, day, n, n if outcome in AVAILABLE else 0)
    hour_day = func.date(ProbeHour.hour)
    for service_id, day, n, n_up in session.exec(
        select(ProbeHour.service_id, hour_day, func.sum(ProbeHour.counted), func.sum(ProbeHour.up))
        .where(ProbeHour.service_id.in_(ids), ProbeHour.hour >= since, ProbeHour.hour <= now)
        .group_by(ProbeHour.service_id, hour_day)
    ).all():
        add(service_id, day, int(n or 0), int(n_up or 0))
    window = [first + timedelta(days=n) for n in range(days)]
    return {
        i: [Day(d, *counts.get((i, d), (0, 0))) for d in window]
        for i in ids  # (a day before `first` cannot appear: the queries start there)
    }


@dataclass(frozen=True)
class Availability:
    """A host's services taken together, for its trust card: checks counted and up over the
    window, the last check, and the first certificate to expire."""

    uptime: float | None
    checked_at: datetime | None
    certificate_expires_at: datetime | None


def availability_of(session: Session, services: list[Service], now: datetime) -> Availability:
    ids = [s.id for s in services if s.id is not None]
    if not ids:
        return Availability(None, None, None)
    since = now - timedelta(days=WINDOW_DAYS)
    raw = session.exec(
        select(ProbeCheck.outcome, func.count())
        .where(
            ProbeCheck.service_id.in_(ids),
            ProbeCheck.checked_at > since,
            ProbeCheck.checked_at <= now,
            ProbeCheck.outcome != UNKNOWN,
        )
        .group_by(ProbeCheck.outcome)
    ).all()
    counted = sum(n for _outcome, n in raw)
    up = sum(n for outcome, n in raw if outcome in AVAILABLE)
    n, n_up = session.exec(
        select(
            func.coalesce(func.sum(ProbeHour.counted), 0), func.coalesce(func.sum(ProbeHour.up), 0)
        ).where(ProbeHour.service_id.in_(ids), ProbeHour.hour >= since, ProbeHour.hour <= now)
    ).one()
    counted += int(n)
    up += int(n_up)
    checked_at, expires = session.exec(
        select(
            func.max(ProbeState.last_checked_at), func.min(ProbeState.certificate_expires_at)
        ).where(ProbeState.service_id.in_(ids))
    ).one()
    return Availability(up / counted if counted else None, checked_at, expires)

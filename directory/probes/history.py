"""What the probes found, kept bounded: one ProbeCheck row per check for `raw_days` days
(PORTEE_PROBE_RAW_DAYS), then folded into one ProbeHour row per service and hour, kept
HOURLY_DAYS days (the longest uptime window). Uptime reads both.

The clock is always a parameter (`now`), so tests choose it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from directory.models import ProbeCheck, ProbeHour
from directory.probes.checks import AVAILABLE, UNKNOWN, Observation

UPTIME_WINDOWS = (7, 30, 90)  # days
HOURLY_DAYS = max(UPTIME_WINDOWS)
FOLD_BATCH = 5000


def record(session: Session, service_id: int, observation: Observation, now: datetime) -> None:
    """Keep one check (the caller commits)."""
    session.add(
        ProbeCheck(
            service_id=service_id,
            checked_at=now,
            outcome=observation.outcome,
            http_status=observation.status,
            latency_ms=observation.latency_ms,
            url=(observation.url or "")[:1000] or None,
            issues=[issue.as_dict() for issue in observation.issues],
        )
    )


def uptime(session: Session, service_id: int, days: int, now: datetime) -> float | None:
    """The share of counted checks of the last `days` days that found the service available
    (0.0 to 1.0), or None when there was none. Checks that could not conclude ("unknown": the
    server asked to wait, our resolver failed) do not count either way."""
    since = now - timedelta(days=days)
    raw = session.exec(
        select(ProbeCheck.outcome, func.count())
        .where(
            ProbeCheck.service_id == service_id,
            ProbeCheck.checked_at > since,
            ProbeCheck.checked_at <= now,
        )
        .group_by(ProbeCheck.outcome)
    ).all()
    counted = sum(n for outcome, n in raw if outcome != UNKNOWN)
    up = sum(n for outcome, n in raw if outcome in AVAILABLE)
    folded = session.exec(
        select(
            func.coalesce(func.sum(ProbeHour.counted), 0),
            func.coalesce(func.sum(ProbeHour.up), 0),
        ).where(
            ProbeHour.service_id == service_id,
            ProbeHour.hour >= since,  # the hours that start within the window
            ProbeHour.hour <= now,
        )
    ).one()
    counted += int(folded[0])
    up += int(folded[1])
    return up / counted if counted else None


def uptimes(session: Session, service_id: int, now: datetime) -> dict[int, float | None]:
    """Uptime over 7, 30 and 90 days."""
    return {days: uptime(session, service_id, days, now) for days in UPTIME_WINDOWS}


def _hour(moment: datetime) -> datetime:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def fold(session: Session, now: datetime, raw_days: int) -> int:
    """Fold the checks older than `raw_days` days into hourly buckets, and drop buckets older
    than HOURLY_DAYS. Returns how many checks were folded (the caller commits)."""
    cutoff = now - timedelta(days=raw_days)
    folded = 0
    while True:
        rows = session.exec(
            select(ProbeCheck)
            .where(ProbeCheck.checked_at < cutoff)
            .order_by(ProbeCheck.id)
            .limit(FOLD_BATCH)
        ).all()
        if not rows:
            break
        _add_to_buckets(session, rows)
        session.exec(delete(ProbeCheck).where(ProbeCheck.id.in_([row.id for row in rows])))
        session.flush()
        folded += len(rows)
    session.exec(delete(ProbeHour).where(ProbeHour.hour < _hour(now - timedelta(days=HOURLY_DAYS))))
    return folded


def _add_to_buckets(session: Session, checks: Iterable[ProbeCheck]) -> None:
    buckets: dict[tuple[int, datetime], ProbeHour] = {}
    for check in checks:
        key = (check.service_id, _hour(check.checked_at))
        bucket = buckets.get(key)
        if bucket is None:
            bucket = session.get(ProbeHour, key) or ProbeHour(service_id=key[0], hour=key[1])
            buckets[key] = bucket
        if check.outcome != UNKNOWN:
            bucket.counted += 1
            bucket.up += check.outcome in AVAILABLE
        if check.latency_ms is not None:
            bucket.latency_ms_total += check.latency_ms
            bucket.latency_count += 1
    for bucket in buckets.values():
        session.add(bucket)

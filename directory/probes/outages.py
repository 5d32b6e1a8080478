"""Outages: a service whose checks fail, from its first failed check to the next available one.

After each probe run, `follow` opens an outage for each service whose last counted check failed
and closes the outages of services found available again; checks that could not conclude
("unknown": a 429, our resolver failing) change nothing. It also closes, as "unchecked", the
outage of a service the probes no longer check (retired, ended, its address gone, its host
suspended or gone, its application closed): no check would ever end it, it would wait on the
drift page's blind side forever. Then `due_notices` says whom to tell: a service unreachable
for DOWN_AFTER (6 hours) once, and the same outage once more when it is back, never for an
outage too short to have been told, nor for one closed as unchecked (it is not back, and what
stopped the checks was the host's own doing or the moderators', told to it elsewhere). Free of
Flask; the clock is a parameter; callers commit. Mails: directory/probes/mails.py.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from directory.models import Organization, ProbeCheck, ProbeOutage, ProbeState, Service
from directory.probes.checks import AVAILABLE, UNKNOWN
from directory.probes.runner import watched_ids
from directory.staleness import recipients
from directory.timeutil import utcnow

DOWN_AFTER = timedelta(hours=6)
UNCHECKED = "unchecked"  # ProbeOutage.ended_because of an outage closed as no longer checked


def failing(outcome: str | None) -> bool:
    """A check that counts against the service (not available, and not inconclusive)."""
    return outcome is not None and outcome not in AVAILABLE and outcome != UNKNOWN


@dataclass(frozen=True)
class OutageNotice:
    outage: ProbeOutage
    service: Service
    organization: Organization
    step: str  # "down" | "back"
    recipients: tuple[str, ...]
    last_failure: ProbeCheck | None  # what the last failed check found


def open_outage(session: Session, service_id: int) -> ProbeOutage | None:
    return session.exec(
        select(ProbeOutage).where(
            ProbeOutage.service_id == service_id, ProbeOutage.ended_at.is_(None)
        )
    ).first()


def _first_failure(session: Session, service_id: int, fallback: datetime) -> datetime:
    """When the current run of failed checks began: the first failed check after the last
    available one (the raw checks of PORTEE_PROBE_RAW_DAYS days), else `fallback`; and never
    before the last outage ended (one closed as unchecked ends where checks stopped)."""
    last_up = session.exec(
        select(func.max(ProbeCheck.checked_at)).where(
            ProbeCheck.service_id == service_id, ProbeCheck.outcome.in_(AVAILABLE)
        )
    ).one()
    last_ended = session.exec(
        select(func.max(ProbeOutage.ended_at)).where(ProbeOutage.service_id == service_id)
    ).one()
    if last_ended is not None and (last_up is None or last_ended > last_up):
        last_up = last_ended
    statement = select(func.min(ProbeCheck.checked_at)).where(
        ProbeCheck.service_id == service_id,
        ProbeCheck.outcome.not_in((*AVAILABLE, UNKNOWN)),
    )
    if last_up is not None:
        statement = statement.where(ProbeCheck.checked_at > last_up)
    return session.exec(statement).one() or fallback


@dataclass(frozen=True)
class Followed:
    """What `follow` did: outages opened, ended because the service is back, and closed
    because it is no longer checked."""

    opened: int = 0
    back: int = 0
    unchecked: int = 0


def follow(
    session: Session, now: datetime | None = None, watched: Collection[int] | None = None
) -> Followed:
    """Open and close outages from the services' last counted checks, and close those of
    services no longer checked (`watched`: the services the probes check, by default those of
    directory/probes/runner.py at `now`). Runs after each probe run."""
    now = now or utcnow()
    watched = set(watched_ids(session, now) if watched is None else watched)
    states = session.exec(
        select(ProbeState, ProbeOutage)
        .outerjoin(
            ProbeOutage,
            (ProbeOutage.service_id == ProbeState.service_id) & ProbeOutage.ended_at.is_(None),
        )
        .where(ProbeState.last_outcome.is_not(None), ProbeState.last_outcome != UNKNOWN)
    ).all()
    opened = back = 0
    for state, outage in states:
        if state.service_id not in watched:
            continue  # its last check is no news: closed below if an outage is open
        if failing(state.last_outcome) and outage is None:
            started = _first_failure(session, state.service_id, state.last_checked_at)
            session.add(ProbeOutage(service_id=state.service_id, started_at=started))
            opened += 1
        elif state.last_outcome in AVAILABLE and outage is not None:
            outage.ended_at = _back_at(session, state.service_id, outage.started_at)
            outage.ended_because = "back"
            session.add(outage)
            back += 1
    unchecked = 0
    for outage in session.exec(select(ProbeOutage).where(ProbeOutage.ended_at.is_(None))):
        if outage.service_id not in watched:
            outage.ended_at = max(now, outage.started_at)
            outage.ended_because = UNCHECKED
            session.add(outage)
            unchecked += 1
    session.flush()
    return Followed(opened, back, unchecked)


def _back_at(session: Session, service_id: int, since: datetime) -> datetime:
    """The first available check after the outage began."""
    return session.exec(
        select(func.min(ProbeCheck.checked_at)).where(
            ProbeCheck.service_id == service_id,
            ProbeCheck.outcome.in_(AVAILABLE),
            ProbeCheck.checked_at > since,
        )
    ).one()


def last_failure(session: Session, service_id: int) -> ProbeCheck | None:
    """The latest check that counted against the service (None if none is kept)."""
    return session.exec(
        select(ProbeCheck)
        .where(
            ProbeCheck.service_id == service_id,
            ProbeCheck.outcome.not_in((*AVAILABLE, UNKNOWN)),
        )
        .order_by(ProbeCheck.checked_at.desc(), ProbeCheck.id.desc())
        .limit(1)
    ).first()


def due_notices(session: Session, now: datetime) -> list[OutageNotice]:
    """Outages down for DOWN_AFTER whose host was not told yet, and outages it was told of
    that have ended since."""
    rows = session.exec(
        select(ProbeOutage, Service, Organization)
        .join(Service, Service.id == ProbeOutage.service_id)
        .join(Organization, Organization.id == Service.organization_id)
        .where(
            Organization.membership.in_(("member", "candidate")),
            (
                ProbeOutage.ended_at.is_(None)
                & ProbeOutage.down_notified_at.is_(None)
                & (ProbeOutage.started_at <= now - DOWN_AFTER)
            )
            | (
                ProbeOutage.ended_at.is_not(None)
                & ProbeOutage.down_notified_at.is_not(None)
                & ProbeOutage.back_notified_at.is_(None)
                & or_(ProbeOutage.ended_because.is_(None), ProbeOutage.ended_because != UNCHECKED)
            ),
        )
        .order_by(ProbeOutage.id)
    ).all()
    return [
        OutageNotice(
            outage,
            service,
            organization,
            "down" if outage.ended_at is None else "back",
            recipients(session, organization),
            last_failure(session, service.id) if outage.ended_at is None else None,
        )
        for outage, service, organization in rows
    ]


def send_notices(
    session: Session, now: datetime, send: Callable[[OutageNotice], None]
) -> list[OutageNotice]:
    """Tell each host once that a service is down, once that it is back (`send` logs what it
    cannot send rather than raise); the caller commits. A retired service's notices are
    marked, not sent."""
    notices = due_notices(session, now)
    for notice in notices:
        if notice.recipients and notice.service.retired_at is None:
            send(notice)
        if notice.step == "down":
            notice.outage.down_notified_at = now
        else:
            notice.outage.back_notified_at = now
        session.add(notice.outage)
    return notices

"""Outages: a service whose checks fail, from its first failed check to the next available one.

After each probe run, `follow` opens an outage for each service whose last counted check failed
and closes the outages of services found available again; checks that could not conclude
("unknown": a 429, our resolver failing) change nothing. Then `due_notices` says whom to tell:
a service unreachable for DOWN_AFTER (6 hours) once, and the same outage once more when it is
back, never for an outage too short to have been told. Free of Flask; the clock is a parameter;
callers commit. Mails: directory/probes/mails.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from directory.models import Organization, ProbeCheck, ProbeOutage, ProbeState, Service
from directory.probes.checks import AVAILABLE, UNKNOWN
from directory.staleness import recipients

DOWN_AFTER = timedelta(hours=6)


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
    available one (the raw checks of PORTEE_PROBE_RAW_DAYS days), else `fallback`."""
    last_up = session.exec(
        select(func.max(ProbeCheck.checked_at)).where(
            ProbeCheck.service_id == service_id, ProbeCheck.outcome.in_(AVAILABLE)
        )
    ).one()
    statement = select(func.min(ProbeCheck.checked_at)).where(
        ProbeCheck.service_id == service_id,
        ProbeCheck.outcome.not_in((*AVAILABLE, UNKNOWN)),
    )
    if last_up is not None:
        statement = statement.where(ProbeCheck.checked_at > last_up)
    return session.exec(statement).one() or fallback


def follow(session: Session) -> tuple[int, int]:
    """Open and close outages from the services' last counted checks; returns (opened,
    closed). Runs after each probe run."""
    states = session.exec(
        select(ProbeState, ProbeOutage)
        .outerjoin(
            ProbeOutage,
            (ProbeOutage.service_id == ProbeState.service_id) & ProbeOutage.ended_at.is_(None),
        )
        .where(ProbeState.last_outcome.is_not(None), ProbeState.last_outcome != UNKNOWN)
    ).all()
    opened = closed = 0
    for state, outage in states:
        if failing(state.last_outcome) and outage is None:
            started = _first_failure(session, state.service_id, state.last_checked_at)
            session.add(ProbeOutage(service_id=state.service_id, started_at=started))
            opened += 1
        elif state.last_outcome in AVAILABLE and outage is not None:
            outage.ended_at = _back_at(session, state.service_id, outage.started_at)
            session.add(outage)
            closed += 1
    session.flush()
    return opened, closed


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

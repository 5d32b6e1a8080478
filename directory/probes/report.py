"""What the probes found about a few services, for the pages that show it to people who act on
it: the host's dashboard and the moderators' page of an application. Read-only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from directory.models import ProbeCheck, ProbeOutage, ProbeState, Service
from directory.probes.outages import last_failure, open_outage

RECENT = 5


@dataclass(frozen=True)
class Health:
    state: ProbeState | None  # None: never checked
    checks: list[ProbeCheck]  # the latest first
    last_failure: ProbeCheck | None
    outage: ProbeOutage | None  # the outage going on, if any


def recent_checks(session: Session, service_id: int, limit: int = RECENT) -> list[ProbeCheck]:
    return list(
        session.exec(
            select(ProbeCheck)
            .where(ProbeCheck.service_id == service_id)
            .order_by(ProbeCheck.checked_at.desc(), ProbeCheck.id.desc())
            .limit(limit)
        ).all()
    )


def health(session: Session, service_ids: Iterable[int], limit: int = RECENT) -> dict:
    """{service id: Health} for each service given (a page's few services)."""
    return {
        service_id: Health(
            session.get(ProbeState, service_id),
            recent_checks(session, service_id, limit),
            last_failure(session, service_id),
            open_outage(session, service_id),
        )
        for service_id in service_ids
    }


def services_of(session: Session, organization_id: int) -> list[Service]:
    """The organization's services not retired, by name: those the probes check."""
    return list(
        session.exec(
            select(Service)
            .where(Service.organization_id == organization_id, Service.retired_at.is_(None))
            .order_by(Service.name, Service.id)
        ).all()
    )

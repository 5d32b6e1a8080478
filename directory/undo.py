"""Undo, for a while: a host who stopped offering a service, or stopped Portée reading one of
its files, may take it back for UNDO_WINDOW. What was done is read from the audit trail (who
did what, when), so an undo needs no state of its own and is audited like the act itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from directory import listings, sources
from directory.accounts import audit
from directory.models import Account, AuditEvent, Organization, Service, Source
from directory.outbound.guard import AddressPolicy
from directory.timeutil import utcnow

UNDO_WINDOW = timedelta(minutes=10)


class UndoError(ValueError):
    """Too late, or nothing to undo."""


@dataclass(frozen=True)
class RemovedFile:
    event_id: int
    url: str
    kind: str
    removed_at: datetime


def _recent(session: Session, organization: Organization, action: str, now: datetime) -> list:
    return list(
        session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.organization_id == organization.id,
                AuditEvent.action == action,
                AuditEvent.created_at >= now - UNDO_WINDOW,
            )
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        ).all()
    )


def retired_services(
    session: Session, organization: Organization, now: datetime | None = None
) -> list[Service]:
    """Services the host stopped offering less than UNDO_WINDOW ago, still retired."""
    now = now or utcnow()
    found: dict[int, Service] = {}
    for event in _recent(session, organization, "service.retire", now):
        service = session.get(Service, event.detail.get("service_id"))
        if service is not None and service.retired_at is not None and service.id not in found:
            found[service.id] = service
    return list(found.values())


def restore_service(
    session: Session, account: Account, organization: Organization, service: Service
) -> None:
    """Offer again a service the host retired a moment ago (UndoError when too late)."""
    if service.id not in {item.id for item in retired_services(session, organization)}:
        raise UndoError("too_late")
    listings.restore_service(session, service)
    audit(session, account, "service.restore", organization.id, service_id=service.id)


def removed_files(
    session: Session, organization: Organization, now: datetime | None = None
) -> list[RemovedFile]:
    """Files the host stopped Portée reading less than UNDO_WINDOW ago, not read again since."""
    now = now or utcnow()
    current = set(
        session.exec(select(Source.url).where(Source.organization_id == organization.id)).all()
    )
    found: dict[str, RemovedFile] = {}
    for event in _recent(session, organization, "source.remove", now):
        url = event.detail.get("url")
        if url and url not in current and url not in found:
            found[url] = RemovedFile(event.id, url, event.detail.get("kind"), event.created_at)
    return list(found.values())


def read_again(
    session: Session,
    account: Account,
    organization: Organization,
    event_id: int,
    policy: AddressPolicy,
) -> Source:
    """Bind again a file removed a moment ago; it is read at the next refresh, and the
    services it listed come back with that read."""
    removed = {item.event_id: item for item in removed_files(session, organization)}
    item = removed.get(event_id)
    if item is None:
        raise UndoError("too_late")
    source = sources.add_source(session, organization, item.url, item.kind, policy)
    audit(session, account, "source.restore", organization.id, url=source.url, kind=item.kind)
    return source

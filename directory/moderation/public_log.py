"""The public moderation log (what the public may know of decisions, without a rejected
candidate's name) and the private audit trail moderators read.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from directory.models import Account, AuditEvent, Organization, PublicLogEntry

LOG_KINDS = ("admitted", "rejected", "suspended", "reinstated", "left")


def public_log(session: Session, page: int = 1, per_page: int = 50) -> tuple[list, int]:
    """One page of the public log, newest first, and the number of entries."""
    total = session.exec(select(func.count(PublicLogEntry.id))).one()
    entries = session.exec(
        select(PublicLogEntry)
        .order_by(PublicLogEntry.created_at.desc(), PublicLogEntry.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(entries), total


def log_of(session: Session, organization_id: int) -> list[PublicLogEntry]:
    """What the public log says of one organization, newest first."""
    return list(
        session.exec(
            select(PublicLogEntry)
            .where(PublicLogEntry.organization_id == organization_id)
            .order_by(PublicLogEntry.created_at.desc(), PublicLogEntry.id.desc())
        ).all()
    )


# Entries on one page of the public log (its page and the trust card's links agree on it).
LOG_PAGE_SIZE = 50


def log_position(session: Session, entry: PublicLogEntry) -> int:
    """How many entries come before `entry` in the public log (newest first): its page."""
    newer = (PublicLogEntry.created_at > entry.created_at) | (
        (PublicLogEntry.created_at == entry.created_at) & (PublicLogEntry.id > entry.id)
    )
    return session.exec(select(func.count(PublicLogEntry.id)).where(newer)).one()


def audit_trail(
    session: Session, organization_id: int | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[tuple[AuditEvent, Account | None, Organization | None]], int]:
    """One page of the private audit trail, newest first, with who acted and on what."""
    where = [] if organization_id is None else [AuditEvent.organization_id == organization_id]
    total = session.exec(select(func.count(AuditEvent.id)).where(*where)).one()
    rows = session.exec(
        select(AuditEvent, Account, Organization)
        .join(Account, Account.id == AuditEvent.actor_id, isouter=True)
        .join(Organization, Organization.id == AuditEvent.organization_id, isouter=True)
        .where(*where)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    return [tuple(row) for row in rows], total

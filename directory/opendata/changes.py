"""The directory's changes as dated facts: a member joined, a service was added or closed, a
host left, was suspended or reinstated. The Atom feeds show them; each fact keys on database
ids and dates, so its identity survives index rebuilds and re-renderings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.models import Category, Organization, PublicLogEntry, Service, Software
from directory.public import PUBLIC_MEMBERSHIPS
from directory.vocabulary import ENDED_SERVICE_STATUSES

LIMIT = 50
# Kinds of change; the public log's kinds keep their own names.
JOINED, SERVICE_ADDED, SERVICE_CLOSED = "joined", "service_added", "service_closed"
LOG_KINDS = ("admitted", "suspended", "reinstated", "left")


@dataclass(frozen=True)
class Change:
    kind: str
    at: datetime  # UTC, naive like the database's
    organization_id: int | None
    organization_name: str
    organization_slug: str | None  # None: its page no longer answers
    key: str  # what the change is about, from database ids ("organization/3", "service/12")
    service_name: str | None = None
    software_name: dict | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Scope:
    """Which changes a feed follows: everything, one host, one task or one software."""

    organization_id: int | None = None
    category_id: int | None = None
    software_id: int | None = None

    @property
    def about_offers(self) -> bool:
        return self.category_id is not None or self.software_id is not None


def _naive(moment: datetime) -> datetime:
    """UTC without a zone (SQLite gives naive values, PostgreSQL aware ones)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _closed_at(service: Service) -> datetime | None:
    if service.retired_at is not None:
        return service.retired_at
    if service.enddate is not None and service.enddate < datetime.now(UTC).date():
        return _moment(service.enddate)
    if service.status in ENDED_SERVICE_STATUSES:
        return service.updated_at
    return None


def _services(session: Session, scope: Scope) -> list[Service]:
    query = (
        select(Service)
        .join(Organization, Organization.id == Service.organization_id)
        .where(Organization.membership.in_(PUBLIC_MEMBERSHIPS))
        .options(selectinload(Service.organization), selectinload(Service.software))
    )
    if scope.organization_id is not None:
        query = query.where(Service.organization_id == scope.organization_id)
    if scope.software_id is not None:
        query = query.where(Service.software_id == scope.software_id)
    if scope.category_id is not None:
        query = query.where(Service.categories.any(Category.id == scope.category_id))
    return list(session.exec(query).all())


def _service_changes(services: list[Service]) -> list[Change]:
    found = []
    for service in services:
        organization = service.organization
        common = {
            "organization_id": organization.id,
            "organization_name": organization.name,
            "organization_slug": organization.slug,
            "key": f"service/{service.id}",
            "service_name": service.name,
            "software_name": service.software.name if service.software else None,
        }
        found.append(Change(SERVICE_ADDED, service.created_at, **common))
        closed = _closed_at(service)
        if closed is not None:
            found.append(Change(SERVICE_CLOSED, closed, **common))
    return found


def _membership_changes(session: Session, scope: Scope) -> list[Change]:
    query = select(Organization).where(Organization.membership.in_(PUBLIC_MEMBERSHIPS))
    if scope.organization_id is not None:
        query = query.where(Organization.id == scope.organization_id)
    organizations = list(session.exec(query).all())
    log = select(PublicLogEntry).where(PublicLogEntry.kind.in_(LOG_KINDS))
    if scope.organization_id is not None:
        log = log.where(PublicLogEntry.organization_id == scope.organization_id)
    entries = list(session.exec(log).all())
    admitted = {e.organization_id for e in entries if e.kind == "admitted"}
    slugs = {
        o.id: o.slug
        for o in session.exec(
            select(Organization).where(
                Organization.id.in_({e.organization_id for e in entries if e.organization_id})
            )
        ).all()
        if o.membership in ("member", "suspended", "former")
    }
    found = [
        # A member the federation vouched for has no admission in the log: it joined when
        # Portée first read it.
        Change(JOINED, o.created_at, o.id, o.name, o.slug, f"organization/{o.id}")
        for o in organizations
        if o.id not in admitted
    ]
    found += [
        Change(
            e.kind,
            e.created_at,
            e.organization_id,
            e.organization_name,
            slugs.get(e.organization_id),
            f"log/{e.id}",
            reason=e.public_reason,
        )
        for e in entries
    ]
    return found


def changes(session: Session, scope: Scope = Scope(), limit: int = LIMIT) -> list[Change]:
    """The newest changes in `scope`, newest first."""
    found = _service_changes(_services(session, scope))
    if not scope.about_offers:
        found += _membership_changes(session, scope)
    found = [replace(c, at=_naive(c.at)) for c in found]
    found.sort(key=lambda c: (c.at, c.key, c.kind), reverse=True)
    return found[:limit]


def software_scope(session: Session, slug: str) -> tuple[Software, Scope] | None:
    item = session.exec(select(Software).where(Software.slug == slug)).first()
    return (item, Scope(software_id=item.id)) if item else None


def category_scope(session: Session, slug: str) -> tuple[Category, Scope] | None:
    item = session.exec(select(Category).where(Category.slug == slug)).first()
    return (item, Scope(category_id=item.id)) if item else None

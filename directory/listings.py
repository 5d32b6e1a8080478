"""Create and change organizations and services, recording who set each value (provenance).

Every change to a listing (importer, host form, moderator) goes through `set_fields`, so the
rule "a file never overwrites a moderator's value" has one home. Callers commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from directory.catalog import normalize
from directory.models import Category, Organization, Provenance, Service
from directory.timeutil import utcnow

# Origins whose values a file must not overwrite.
_PROTECTED_FROM_FILES = {"moderator"}


def entity_name(obj: Organization | Service) -> str:
    return "organization" if isinstance(obj, Organization) else "service"


def provenance_of(session: Session, obj: Organization | Service) -> dict[str, Provenance]:
    rows = session.exec(
        select(Provenance).where(
            Provenance.entity == entity_name(obj), Provenance.entity_id == obj.id
        )
    )
    return {row.field: row for row in rows}


def set_fields(
    session: Session,
    obj: Organization | Service,
    values: dict,
    origin: str,
    *,
    at: datetime | None = None,
    actor: str | None = None,
    source_id: int | None = None,
) -> list[str]:
    """Apply `values` to `obj` and record their provenance; returns the names that changed."""
    at = at or utcnow()
    if obj.id is None:  # new: no provenance yet (an import creates thousands at a time)
        session.add(obj)
        session.flush()
        known = {}
    else:
        known = provenance_of(session, obj)
    changed = []
    for name, value in values.items():
        record = known.get(name)
        if origin == "file" and record is not None and record.origin in _PROTECTED_FROM_FILES:
            continue
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
        if record is None:
            if value in (None, [], {}, ""):
                continue
            record = Provenance(entity=entity_name(obj), entity_id=obj.id, field=name)
            record.set_at = at
        elif name in changed or record.origin != origin:
            record.set_at = at
        record.origin = origin
        record.confirmed_at = at
        record.actor = actor
        record.source_id = source_id
        session.add(record)
    if changed:
        obj.updated_at = at
        session.add(obj)
    return changed


def unique_slug(session: Session, name: str, model=Organization) -> str:
    base = normalize(name).replace(" ", "-")[:100] or "host"
    slug, counter = base, 1
    while session.exec(select(model.id).where(model.slug == slug)).first() is not None:
        counter += 1
        slug = f"{base}-{counter}"
    return slug


def create_organization(session: Session, name: str, membership: str) -> Organization:
    organization = Organization(name=name, slug=unique_slug(session, name), membership=membership)
    session.add(organization)
    session.flush()
    return organization


def set_service_categories(session: Session, service: Service, categories: list[Category]) -> bool:
    """Replace the service's categories; True when they changed."""
    wanted = sorted(c.slug for c in categories)
    if sorted(c.slug for c in service.categories) == wanted:
        return False
    service.categories = list(categories)
    service.updated_at = utcnow()
    session.add(service)
    return True


def retire_service(session: Session, service: Service, at: datetime | None = None) -> bool:
    """Withdraw a service from the public (kept, never deleted); True if it was live."""
    if service.retired_at is not None:
        return False
    service.retired_at = at or utcnow()
    service.updated_at = service.retired_at
    session.add(service)
    return True


def restore_service(session: Session, service: Service) -> bool:
    if service.retired_at is None:
        return False
    service.retired_at = None
    service.updated_at = utcnow()
    session.add(service)
    return True

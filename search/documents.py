"""Database rows → index documents. Only what the public may be offered becomes a document."""

from __future__ import annotations

from babel import Locale
from sqlalchemy.orm import selectinload
from sqlmodel import Session, func, select

from directory.models import Organization, Service
from directory.vocabulary import ENDED_SERVICE_STATUSES
from search.schema import LANGUAGES, MICRODEGREES, NO_PLACE

# An organization that is away or closed offers nothing, whatever its file still lists.
OFFERING_STATUSES = ("active", "idle")
NO_END = 2**31 - 1  # a service with no end date


def is_offered(service: Service, organization: Organization) -> bool:
    """Offered in search: a live service of a public, active member (ended ones are not)."""
    return (
        organization.membership == "member"
        and organization.status in OFFERING_STATUSES
        and service.retired_at is None
        and service.status not in ENDED_SERVICE_STATUSES
    )


def offered_count(session: Session) -> int:
    """How many services are offered: `is_offered` in SQL (one document each in the index)."""
    statement = (
        select(func.count(Service.id))
        .join(Organization, Service.organization_id == Organization.id)
        .where(
            Organization.membership == "member",
            Organization.status.in_(OFFERING_STATUSES),
            Service.retired_at.is_(None),
            Service.status.not_in(ENDED_SERVICE_STATUSES),
        )
    )
    return session.exec(statement).one()


def offers_of(session: Session, organization_ids: list[int] | None = None):
    """Organizations (with services, software, categories loaded) for indexing."""
    statement = select(Organization).options(
        selectinload(Organization.services).selectinload(Service.software),
        selectinload(Organization.services).selectinload(Service.categories),
    )
    if organization_ids is not None:
        statement = statement.where(Organization.id.in_(organization_ids))
    return session.exec(statement.order_by(Organization.id))


def _join(*parts) -> str:
    return " ".join(str(p) for p in parts if p)


def document(service: Service, organization: Organization) -> dict:
    software = service.software
    categories = service.categories
    doc = {
        "service_id": service.id,
        "org_id": organization.id,
        "software": software.slug if software else "",
        "category": " ".join(c.slug for c in categories),
        "registration": service.registration or "",
        "load": service.load or "open",
        "price": service.price or "",
        "country": organization.country_code or "",
        "language": " ".join(service.languages or organization.languages or []),
        "legal_type": organization.legal_type or "",
        "ends": service.enddate.toordinal() if service.enddate else NO_END,
        # Column-only values are stored as bytes.
        "language_set": " ".join(service.languages or organization.languages or []).encode(),
        "status": (service.status or "ok").encode(),
        **_location(organization),
    }
    for lang in LANGUAGES:
        country = Locale(lang).territories.get(organization.country_code or "", "")
        doc[f"title_{lang}"] = _join(
            service.name,
            organization.name,
            software.name.get(lang) if software else None,
            service.software_declared,
        )
        keywords = [organization.address, country]
        for category in categories:
            keywords.append(category.name.get(lang))
            keywords.extend(category.aliases.get(lang, []))
        if software:
            keywords.extend(software.aliases)
        doc[f"keywords_{lang}"] = _join(*keywords)
        doc[f"body_{lang}"] = _join(
            service.description,
            organization.description,
            software.description.get(lang) if software else None,
        )
    return doc


def _location(organization: Organization) -> dict:
    located = organization.location_precision
    if not located or organization.location_latitude is None:
        return {"latitude": NO_PLACE, "longitude": NO_PLACE, "located": b""}
    return {
        "latitude": round(organization.location_latitude * MICRODEGREES),
        "longitude": round(organization.location_longitude * MICRODEGREES),
        "located": located.encode(),
    }


def documents_for(organization: Organization):
    for service in organization.services:
        if is_offered(service, organization):
            yield document(service, organization)

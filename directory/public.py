"""What the public may read: published organizations, their services, the catalogue.

Views call these instead of writing SQL; each hides what is not public (candidates,
suspended members) in one place.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.listings import provenance_of
from directory.models import Category, NewsItem, Organization, Provenance, Service, Software
from directory.regions import REGION_NAMES, region_country
from directory.vocabulary import ENDED_SERVICE_STATUSES

# Offered in search and the API: members only.
PUBLIC_MEMBERSHIPS = ("member",)
# Whose page still answers: a suspended or former member's page says so, with the public
# reason, and offers none of its services (a candidate's page does not exist).
PAGE_MEMBERSHIPS = ("member", "suspended", "former")


def _service_options():
    return (
        selectinload(Service.organization),
        selectinload(Service.software),
        selectinload(Service.categories),
    )


def services_in_order(session: Session, service_ids: list[int]) -> list[Service]:
    """The services with these ids, in this order, skipping any that are no longer public."""
    if not service_ids:
        return []
    rows = session.exec(
        select(Service).where(Service.id.in_(service_ids)).options(*_service_options())
    ).all()
    by_id = {s.id: s for s in rows if s.organization.membership in PUBLIC_MEMBERSHIPS}
    return [by_id[i] for i in service_ids if i in by_id]


def public_organization(
    session: Session, slug: str, memberships: tuple[str, ...] = PAGE_MEMBERSHIPS
) -> Organization | None:
    """The organization whose page the public may open (a suspended or former member's too:
    its template says so); pass `memberships=PUBLIC_MEMBERSHIPS` for members only."""
    organization = session.exec(
        select(Organization)
        .where(Organization.slug == slug)
        .options(
            selectinload(Organization.services).selectinload(Service.software),
            selectinload(Organization.services).selectinload(Service.categories),
        )
    ).first()
    if organization is None or organization.membership not in memberships:
        return None
    return organization


def has_ended(service: Service, today: date | None = None) -> bool:
    today = today or date.today()
    return (
        service.retired_at is not None
        or service.status in ENDED_SERVICE_STATUSES
        or (service.enddate is not None and service.enddate < today)
    )


def organization_provenance(
    session: Session, organization: Organization
) -> tuple[dict[str, Provenance], dict[int, dict[str, Provenance]]]:
    """Provenance of the organization's fields, and of each service's fields by service id."""
    services: dict[int, dict[str, Provenance]] = {}
    ids = [s.id for s in organization.services]
    if ids:
        rows = session.exec(
            select(Provenance).where(Provenance.entity == "service", Provenance.entity_id.in_(ids))
        )
        for row in rows:
            services.setdefault(row.entity_id, {})[row.field] = row
    return provenance_of(session, organization), services


@dataclass(frozen=True)
class ProvenanceSummary:
    """What most values of a listing have in common, said once at the top of its page; a value
    carries its own note only where it differs (another origin, or changed since)."""

    origin: str | None
    first_set: datetime | None
    last_confirmed: datetime | None

    def differs(self, record: Provenance | None) -> bool:
        if record is None or self.origin is None:
            return False
        if record.origin != self.origin:
            return True
        return self.first_set is not None and record.set_at - self.first_set > NOTEWORTHY_CHANGE


NOTEWORTHY_CHANGE = timedelta(hours=1)


def summarize_provenance(records: list[Provenance]) -> ProvenanceSummary:
    if not records:
        return ProvenanceSummary(None, None, None)
    origin = Counter(r.origin for r in records).most_common(1)[0][0]
    mine = [r for r in records if r.origin == origin]
    return ProvenanceSummary(
        origin=origin,
        first_set=min(r.set_at for r in mine),
        last_confirmed=max(r.confirmed_at for r in mine),
    )


def categories(session: Session) -> list[Category]:
    return list(session.exec(select(Category).order_by(Category.position)).all())


def category(session: Session, slug: str) -> Category | None:
    return session.exec(
        select(Category).where(Category.slug == slug).options(selectinload(Category.software))
    ).first()


def catalogue_names(session: Session) -> tuple[dict[str, dict], dict[str, dict]]:
    """Category and software names by slug (to label facets), without loading whole rows."""
    categories = {
        slug: {"name": name} for slug, name in session.exec(select(Category.slug, Category.name))
    }
    software = {
        slug: {"name": name} for slug, name in session.exec(select(Software.slug, Software.name))
    }
    return categories, software


def software_list(session: Session) -> list[Software]:
    return list(session.exec(select(Software).options(selectinload(Software.categories))).all())


def software(session: Session, slug: str) -> Software | None:
    return session.exec(
        select(Software).where(Software.slug == slug).options(selectinload(Software.categories))
    ).first()


def news_of(session: Session, organization: Organization, limit: int = 10) -> list[NewsItem]:
    """The host's latest news, newest first (undated entries last)."""
    items = session.exec(select(NewsItem).where(NewsItem.organization_id == organization.id)).all()
    dated = sorted((i for i in items if i.published), key=lambda i: i.published, reverse=True)
    return (dated + [i for i in items if not i.published])[:limit]


def organizations_by_id(session: Session, ids: list[int]) -> dict[int, Organization]:
    """Public organizations with these ids."""
    if not ids:
        return {}
    rows = session.exec(select(Organization).where(Organization.id.in_(ids))).all()
    return {o.id: o for o in rows if o.membership in PUBLIC_MEMBERSHIPS}


def page_slugs(session: Session, ids: list[int]) -> dict[int, str]:
    """The slugs of those organizations whose page the public may open."""
    if not ids:
        return {}
    rows = session.exec(
        select(Organization).where(
            Organization.id.in_(ids), Organization.membership.in_(PAGE_MEMBERSHIPS)
        )
    ).all()
    return {o.id: o.slug for o in rows}


def hosts_by_region(session: Session) -> dict[str, dict[str, list[Organization]]]:
    """The public hosts by country then region, each by town then name: the map page's list.
    Country and region are codes ("FR", "FR-84"); a host whose region the list does not name
    (directory/regions.py), or located only by its country, is under "" in its country; a host
    with no country at all under "" too. A located host's country is its region's."""
    hosts = session.exec(
        select(Organization).where(Organization.membership.in_(PUBLIC_MEMBERSHIPS))
    ).all()
    grouped: dict[str, dict[str, list[Organization]]] = {}
    for host in hosts:
        if host.status == "closed":
            continue
        region = host.location_region if host.location_region in REGION_NAMES else ""
        country = region_country(region) if region else host.country_code or ""
        grouped.setdefault(country, {}).setdefault(region, []).append(host)
    for regions in grouped.values():
        for found in regions.values():
            found.sort(
                key=lambda host: ((host.location_name or "").casefold(), host.name.casefold())
            )
    return grouped

"""An organization's metadata sources besides its ChatonsInfos file: a JSON description
(librehost.json) and a news feed. Hosts add them from their dashboard; admins from the CLI."""

from __future__ import annotations

from sqlmodel import Session, select

from directory import listings
from directory.models import Organization, Service, Source
from directory.outbound.guard import AddressPolicy, Refused

# "organization": its ChatonsInfos file (services come with it); "json": librehost.json;
# "news": an Atom or RSS feed.
ORGANIZATION_SOURCE_KINDS = ("organization", "json", "news")


class SourceError(ValueError):
    """The source cannot be added; `code` says why (translated by the web layer). For an
    address the fetch rules refuse (`address_refused`), `issue` is the importer's finding
    ({code, params}), worded like the fetch's own refusal."""

    def __init__(self, code: str, issue: dict | None = None) -> None:
        self.code = code
        self.issue = issue
        super().__init__(code)


def add_source(
    session: Session,
    organization: Organization,
    url: str,
    kind: str,
    policy: AddressPolicy,
) -> Source:
    """Bind a new source to the organization; the caller commits.

    The address passes the fetch's own rules first (`policy.check_entry`) and is stored in its
    canonical form, so a file the importer would refuse is never stored. A ChatonsInfos file
    bound here makes the organization's identity that file (DESIGN.md): an organization has
    at most one.
    """
    if kind not in ORGANIZATION_SOURCE_KINDS:
        raise SourceError("unknown_kind")
    try:
        url = policy.check_entry(url)
    except Refused as refused:
        issue = {"code": refused.code, "params": refused.params}
        raise SourceError("address_refused", issue) from refused
    if (
        kind == "organization"
        and session.exec(
            select(Source).where(
                Source.organization_id == organization.id, Source.kind == "organization"
            )
        ).first()
    ):
        raise SourceError("one_organization_file")
    existing = session.exec(select(Source).where(Source.url == url)).first()
    if existing is not None:
        if existing.organization_id == organization.id and existing.kind == kind:
            return existing
        raise SourceError("already_used")
    source = Source(url=url, kind=kind, organization_id=organization.id)
    session.add(source)
    session.flush()
    return source


def remove_source(session: Session, source: Source) -> None:
    """Forget a source. The service files an organization file lists go with it (nothing else
    reads them), and so do their services: a service whose file is no longer read is retired
    (kept, not deleted), so that adding the file back publishes it again, once. What the file
    said of the organization itself stays until something replaces it."""
    children = session.exec(select(Source).where(Source.parent_id == source.id)).all()
    for child in children:
        if child.kind != "service":
            continue
        service = session.get(Service, child.service_id) if child.service_id else None
        if service is not None:
            listings.retire_service(session, service)
        session.delete(child)
    session.delete(source)


def organization_sources(session: Session, organization_id: int) -> list[Source]:
    return list(
        session.exec(
            select(Source)
            .where(Source.organization_id == organization_id)
            .order_by(Source.kind, Source.url)
        ).all()
    )

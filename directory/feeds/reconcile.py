"""Parsed files → database, one transaction per organization, through directory/listings.py.

Never loses the last good listing: a file that failed to fetch or parse changes nothing but
its source's status. A service whose `subs` line left a successfully read organization file is
retired (kept, not deleted). A file that changes nothing but its own source row (unchanged, or
failed, see RunLedger.quiet) is only noted in the run's ledger, which writes such rows in
batches: a re-import of unchanged files opens no transaction per organization.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Session, select

from directory import listings, staleness
from directory.catalog import SoftwareResolver
from directory.feeds.chatonsinfos import OrganizationRecord, ParsedFile, ServiceRecord
from directory.feeds.fetch import FetchResult
from directory.feeds.issues import Issue
from directory.feeds.ledger import SUCCESS_INTERVAL, Known, RunLedger, attempt  # noqa: F401
from directory.feeds.librehost import ParsedJson
from directory.feeds.news import ParsedNews
from directory.models import (
    NewsItem,
    Organization,
    Service,
    Software,
    Source,
    website_domain,
)

# (SUCCESS_INTERVAL is imported for bench/bulk.py, which reads it here.)


@dataclass
class FileOutcome:
    """What fetching and parsing one file gave, before anything touches the database."""

    url: str
    subs_key: str | None
    fetch: FetchResult
    parsed: ParsedFile | ParsedJson | ParsedNews | None = None
    errors: list[Issue] = field(default_factory=list)
    content_hash: str | None = None

    @property
    def failed(self) -> bool:
        return self.fetch.error is not None or bool(self.errors)

    def unchanged(self, source: Source | Known) -> bool:
        if self.failed:
            return False
        return self.fetch.not_modified or (
            self.content_hash is not None and self.content_hash == source.content_hash
        )


@dataclass
class OrganizationBundle:
    organization: FileOutcome
    services: list[FileOutcome]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_for(
    session: Session,
    ledger: RunLedger,
    url: str,
    kind: str,
    parent_id: int | None,
    subs_key: str | None,
) -> Source:
    """The source row of `url` as an ORM object (created if new), for an attempt that may
    change its listing."""
    ledger.write(session)  # first, so that no noted attempt lands over this newer one
    known = ledger.known.get(url)
    source = session.get(Source, known.id) if known else None
    if source is None:
        source = session.exec(select(Source).where(Source.url == url)).first()
    if source is None:
        source = Source(url=url, kind=kind)
    if parent_id is not None:
        source.parent_id = parent_id
    source.subs_key = subs_key or source.subs_key
    session.add(source)
    session.flush()
    return source


def record_attempt(
    session: Session, ledger: RunLedger, source: Source, outcome: FileOutcome, at: datetime
) -> str:
    """Update the source's status from one attempt and log it on the run; returns the outcome."""
    done = attempt(source, outcome, at)
    for name, value in done.values.items():
        setattr(source, name, value)
    session.add(source)
    ledger.result(source.id, outcome.url, done, outcome.fetch.status, source.warnings)
    return done.outcome


def _takeover_target(session: Session, record: OrganizationRecord) -> int | None:
    """Another organization already listed with the website this new file declares."""
    domain = website_domain(record.fields.get("website"))
    if domain is None:
        return None
    return session.exec(
        select(Organization.id).where(Organization.website_domain == domain).limit(1)
    ).first()


def _quiet(
    ledger: RunLedger, outcome: FileOutcome, parent_id: int | None, subs_key: str | None
) -> Known | None:
    """What is known of the file if this attempt changes nothing but its own source row (nor
    where it hangs in the tree of files): see RunLedger.quiet."""
    known = ledger.quiet(outcome.url, outcome)
    if known is None or (parent_id is not None and known.parent_id != parent_id):
        return None
    return known if not subs_key or known.subs_key == subs_key else None


def reconcile_organization(
    session: Session,
    ledger: RunLedger,
    parent_id: int | None,
    bundle: OrganizationBundle,
    resolver: SoftwareResolver,
    *,
    membership: str,
    at: datetime,
) -> int | None:
    """Bring one organization and its services in line with its files; the caller commits.
    Returns the organization's id (None when nothing of it is published)."""
    org_outcome = bundle.organization
    known = _quiet(ledger, org_outcome, parent_id, org_outcome.subs_key)
    # Quiet (failed, or unchanged and settled) on any day: staleness is read from the sources
    # at query time (search/freshness.py), so a new day's good read needs no indexing.
    if known is not None:
        ledger.note(known, org_outcome, at)
        organization_id = known.organization_id
        if organization_id is None:  # never published (its file failed from the start)
            return None
        for service_outcome in bundle.services:
            _reconcile_service(
                session, ledger, known.id, organization_id, service_outcome, resolver, at
            )
        return organization_id
    return _reconcile_organization_file(
        session, ledger, parent_id, bundle, resolver, membership=membership, at=at
    )


def _reconcile_organization_file(
    session: Session,
    ledger: RunLedger,
    parent_id: int | None,
    bundle: OrganizationBundle,
    resolver: SoftwareResolver,
    *,
    membership: str,
    at: datetime,
) -> int | None:
    org_outcome = bundle.organization
    org_source = source_for(
        session, ledger, org_outcome.url, "organization", parent_id, org_outcome.subs_key
    )
    fresh = not org_outcome.failed and not org_outcome.unchanged(org_source)
    organization = (
        session.get(Organization, org_source.organization_id)
        if org_source.organization_id
        else None
    )
    if organization is None and not org_outcome.failed and org_outcome.parsed is not None:
        record = org_outcome.parsed.record
        assert isinstance(record, OrganizationRecord)
        if _takeover_target(session, record) is not None:
            website = record.fields["website"]
            org_outcome.errors.insert(
                0, Issue("held_takeover", None, "organization.website", {"value": website})
            )
            record_attempt(session, ledger, org_source, org_outcome, at)
            return None
        organization = listings.create_organization(session, record.fields["name"], membership)
        org_source.organization_id = organization.id
        fresh = True
    record_attempt(session, ledger, org_source, org_outcome, at)
    if organization is None:
        return None
    if not org_outcome.failed and (
        organization.stale_notified_at or organization.hidden_notified_at
    ):
        staleness.confirmed_again(organization)
        session.add(organization)
    if fresh and org_outcome.parsed is not None:
        listings.set_fields(
            session,
            organization,
            org_outcome.parsed.record.fields,
            "file",
            at=at,
            source_id=org_source.id,
        )
    current_urls = set()
    for service_outcome in bundle.services:
        current_urls.add(service_outcome.url)
        _reconcile_service(
            session, ledger, org_source.id, organization.id, service_outcome, resolver, at
        )
    if fresh and org_outcome.parsed is not None:
        _retire_missing(session, org_source.id, current_urls, at)
    return organization.id


def _reconcile_service(
    session: Session,
    ledger: RunLedger,
    org_source_id: int,
    organization_id: int,
    outcome: FileOutcome,
    resolver: SoftwareResolver,
    at: datetime,
) -> None:
    known = _quiet(ledger, outcome, org_source_id, outcome.subs_key)
    if known is not None and known.organization_id == organization_id:
        ledger.note(known, outcome, at)
        return
    source = source_for(session, ledger, outcome.url, "service", org_source_id, outcome.subs_key)
    source.organization_id = organization_id
    service = session.get(Service, source.service_id) if source.service_id else None
    unchanged = outcome.unchanged(source) and service is not None
    if outcome.parsed is not None and not outcome.failed and not unchanged:
        record = outcome.parsed.record
        assert isinstance(record, ServiceRecord)
        software_id = resolver.resolve(record.software_name)
        software = session.get(Software, software_id) if software_id else None
        if software is None:
            outcome.parsed.warnings.append(
                Issue("unknown_software", None, "software.name", {"value": record.software_name})
            )
        if service is None:
            service = Service(organization_id=organization_id, name=record.fields["name"])
        values = dict(record.fields, software_id=software.id if software else None)
        listings.set_fields(session, service, values, "file", at=at, source_id=source.id)
        listings.set_service_categories(session, service, software.categories if software else [])
        source.service_id = service.id
    if service is not None and not outcome.failed:
        # Listed again in its organization's file (even unchanged): offered again.
        listings.restore_service(session, service)
    record_attempt(session, ledger, source, outcome, at)


def _retire_missing(session: Session, org_source_id: int, current: set[str], at: datetime) -> None:
    children = session.exec(
        select(Source).where(Source.parent_id == org_source_id, Source.kind == "service")
    )
    for child in children:
        if child.url not in current and child.service_id:
            service = session.get(Service, child.service_id)
            if service is not None:
                listings.retire_service(session, service, at)


NEWS_KEPT = 20


def _protected_from(session: Session, organization: Organization, source: Source) -> set[str]:
    """Fields a JSON source must leave alone: set by a moderator or by another file (the
    ChatonsInfos file, when there is one, is the organization's first word)."""
    protected = set()
    for name, record in listings.provenance_of(session, organization).items():
        if record.origin == "moderator" or (
            record.origin == "file" and record.source_id not in (None, source.id)
        ):
            protected.add(name)
    return protected


def reconcile_json(
    session: Session, ledger: RunLedger, source: Source, outcome: FileOutcome, at: datetime
) -> None:
    """A librehost.json read: fill the organization fields it may fill."""
    organization = session.get(Organization, source.organization_id)
    fresh = not outcome.failed and not outcome.unchanged(source)
    if fresh and outcome.parsed is not None and organization is not None:
        protected = _protected_from(session, organization, source)
        fields = outcome.parsed.fields
        values = {k: v for k, v in fields.items() if k not in protected and k != "extra"}
        if fields.get("extra"):
            values["extra"] = dict(organization.extra, librehost=fields["extra"])
        listings.set_fields(session, organization, values, "file", at=at, source_id=source.id)
    record_attempt(session, ledger, source, outcome, at)


def reconcile_news(
    session: Session, ledger: RunLedger, source: Source, outcome: FileOutcome, at: datetime
) -> None:
    """A news feed read: upsert its entries, keep the newest NEWS_KEPT of the organization."""
    fresh = not outcome.failed and not outcome.unchanged(source)
    if fresh and outcome.parsed is not None and source.organization_id is not None:
        existing = {
            item.guid: item
            for item in session.exec(
                select(NewsItem).where(NewsItem.organization_id == source.organization_id)
            )
        }
        for entry in outcome.parsed.entries:
            item = existing.get(entry.guid) or NewsItem(
                organization_id=source.organization_id, guid=entry.guid, title=entry.title
            )
            item.source_id = source.id
            item.title = entry.title
            item.link = entry.link
            item.published = entry.published
            item.summary_html = entry.summary_html
            item.fetched_at = at
            session.add(item)
        session.flush()
        _keep_newest_news(session, source.organization_id)
    record_attempt(session, ledger, source, outcome, at)


def _keep_newest_news(session: Session, organization_id: int) -> None:
    items = session.exec(select(NewsItem).where(NewsItem.organization_id == organization_id)).all()
    floor = datetime.min.replace(tzinfo=UTC)
    items = sorted(items, key=lambda i: (i.published or floor, i.fetched_at), reverse=True)
    for item in items[NEWS_KEPT:]:
        session.delete(item)

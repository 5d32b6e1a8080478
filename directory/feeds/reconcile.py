"""Parsed files → database, one transaction per organization, through directory/listings.py.

Never loses the last good listing: a file that failed to fetch or parse changes nothing but
its source's status. A service whose `subs` line left a successfully read organization file is
retired (kept, not deleted).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, select

from directory import listings, staleness
from directory.catalog import SoftwareResolver
from directory.feeds.chatonsinfos import OrganizationRecord, ParsedFile, ServiceRecord
from directory.feeds.fetch import FetchResult
from directory.feeds.issues import Issue
from directory.feeds.librehost import ParsedJson
from directory.feeds.news import ParsedNews
from directory.models import (
    ImportResult,
    ImportRun,
    NewsItem,
    Organization,
    Service,
    Software,
    Source,
)

SUCCESS_INTERVAL = timedelta(hours=6)
# Codes that refuse a file (the others are warnings that came along with the refusal).
_ERROR_CODES = {
    "undecodable", "empty", "wrong_class", "missing_required", "bad_registration", "bad_json",
    "too_many_keys", "got_html", "held_takeover", "feed_empty", "feed_entities",
    "feed_not_a_feed", "feed_truncated", "feed_timeout", "feed_unreadable",
}  # fmt: skip
MAX_BACKOFF = timedelta(hours=48)


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

    def unchanged(self, source: Source) -> bool:
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
    session: Session, url: str, kind: str, parent: Source | None, subs_key: str | None
) -> Source:
    source = session.exec(select(Source).where(Source.url == url)).first()
    if source is None:
        source = Source(url=url, kind=kind)
    source.parent_id = parent.id if parent else source.parent_id
    source.subs_key = subs_key or source.subs_key
    session.add(source)
    session.flush()
    return source


def record_attempt(
    session: Session, run: ImportRun, source: Source, outcome: FileOutcome, at: datetime
) -> str:
    """Update the source's status from one attempt and log it on the run; returns the outcome."""
    source.last_attempt_at = at
    source.last_status = outcome.fetch.status
    warnings = [w.as_dict() for w in (outcome.parsed.warnings if outcome.parsed else [])]
    if outcome.failed:
        source.consecutive_failures += 1
        issues = [outcome.fetch.error] if outcome.fetch.error else outcome.errors
        issue = issues[0]
        source.last_error = issue.message
        source.errors = [i.as_dict() for i in issues if i.code in _ERROR_CODES or i is issue]
        source.warnings = [i.as_dict() for i in issues if i.code not in _ERROR_CODES] + warnings
        backoff = min(timedelta(hours=2**source.consecutive_failures), MAX_BACKOFF)
        if outcome.fetch.retry_after:  # the server asked for a pause: honour it, capped
            backoff = max(backoff, min(timedelta(seconds=outcome.fetch.retry_after), MAX_BACKOFF))
        source.next_due_at = at + backoff
        result = "failed"
        error = issue.message
        if issue.code == "held_takeover":
            result = "held"
    else:
        result = "unchanged" if outcome.unchanged(source) else "changed"
        source.consecutive_failures = 0
        source.last_error = None
        source.errors = []
        source.last_success_at = at
        source.next_due_at = at + SUCCESS_INTERVAL
        if outcome.fetch.etag or outcome.fetch.last_modified:
            source.etag = outcome.fetch.etag
            source.last_modified = outcome.fetch.last_modified
        if outcome.parsed is not None:
            source.warnings = warnings
            source.content_hash = outcome.content_hash
        error = None
    session.add(source)
    session.add(
        ImportResult(
            run_id=run.id,
            source_id=source.id,
            url=outcome.url,
            outcome=result,
            http_status=outcome.fetch.status,
            error=error,
            errors=source.errors,
            warnings=source.warnings if result != "unchanged" else [],
        )
    )
    # A held file is counted with the failures: nothing of it was published.
    counter = "failed" if result == "held" else result
    setattr(run, counter, getattr(run, counter) + 1)
    run.sources_tried += 1
    session.add(run)
    return result


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def _takeover_target(session: Session, record: OrganizationRecord) -> Organization | None:
    """Another organization already listed with the website this new file declares."""
    domain = _domain(record.fields.get("website"))
    if domain is None:
        return None
    for organization in session.exec(select(Organization).where(Organization.website != None)):  # noqa: E711
        if _domain(organization.website) == domain:
            return organization
    return None


def reconcile_organization(
    session: Session,
    run: ImportRun,
    federation: Source | None,
    bundle: OrganizationBundle,
    resolver: SoftwareResolver,
    *,
    membership: str,
    at: datetime,
) -> Organization | None:
    """Bring one organization and its services in line with its files; the caller commits."""
    org_outcome = bundle.organization
    org_source = source_for(
        session, org_outcome.url, "organization", federation, org_outcome.subs_key
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
            record_attempt(session, run, org_source, org_outcome, at)
            return None
        organization = listings.create_organization(session, record.fields["name"], membership)
        org_source.organization_id = organization.id
        fresh = True
    record_attempt(session, run, org_source, org_outcome, at)
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
        _reconcile_service(session, run, org_source, organization, service_outcome, resolver, at)
    if fresh and org_outcome.parsed is not None:
        _retire_missing(session, org_source, current_urls, at)
    return organization


def _reconcile_service(
    session: Session,
    run: ImportRun,
    org_source: Source,
    organization: Organization,
    outcome: FileOutcome,
    resolver: SoftwareResolver,
    at: datetime,
) -> None:
    source = source_for(session, outcome.url, "service", org_source, outcome.subs_key)
    source.organization_id = organization.id
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
            service = Service(organization_id=organization.id, name=record.fields["name"])
        values = dict(record.fields, software_id=software.id if software else None)
        listings.set_fields(session, service, values, "file", at=at, source_id=source.id)
        listings.set_service_categories(session, service, software.categories if software else [])
        source.service_id = service.id
    if service is not None and not outcome.failed:
        # Listed again in its organization's file (even unchanged): offered again.
        listings.restore_service(session, service)
    record_attempt(session, run, source, outcome, at)


def _retire_missing(session: Session, org_source: Source, current: set[str], at: datetime) -> None:
    children = session.exec(
        select(Source).where(Source.parent_id == org_source.id, Source.kind == "service")
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
    session: Session, run: ImportRun, source: Source, outcome: FileOutcome, at: datetime
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
    record_attempt(session, run, source, outcome, at)


def reconcile_news(
    session: Session, run: ImportRun, source: Source, outcome: FileOutcome, at: datetime
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
    record_attempt(session, run, source, outcome, at)


def _keep_newest_news(session: Session, organization_id: int) -> None:
    items = session.exec(select(NewsItem).where(NewsItem.organization_id == organization_id)).all()
    floor = datetime.min.replace(tzinfo=UTC)
    items = sorted(items, key=lambda i: (i.published or floor, i.fetched_at), reverse=True)
    for item in items[NEWS_KEPT:]:
        session.delete(item)

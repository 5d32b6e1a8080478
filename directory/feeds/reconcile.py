"""Parsed files → database, one transaction per organization, through directory/listings.py.

Never loses the last good listing: a file that failed to fetch or parse changes nothing but
its source's status. A file belongs to the organization that first bound it (DESIGN.md, "Who
owns a file"): another organization's `subs` line naming it is refused, with a warning to the
claiming host and a held result the moderators see. An organization never publishes the same
service twice (same software, same address), however many files describe it. A service whose
`subs` line left a successfully read organization file is retired (kept, not deleted). A file
that changes nothing but its own source row (unchanged, or failed, see RunLedger.quiet) is only
noted in the run's ledger, which writes such rows in batches: a re-import of unchanged files
opens no transaction per organization.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlmodel import Session, select

from directory import listings, staleness
from directory.catalog import SoftwareResolver
from directory.feeds.chatonsinfos import OrganizationRecord, ParsedFile, ServiceRecord
from directory.feeds.issues import Issue
from directory.feeds.ledger import (  # noqa: F401
    SUCCESS_INTERVAL,
    Attempt,
    Known,
    RunLedger,
    attempt,
)
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
from directory.outbound.fetch import FetchResult
from directory.outbound.guard import Refused, canonical_url

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

    @property
    def claimed(self) -> bool:
        """Refused before reading: the file belongs to another host (see `claim_refused`)."""
        return any(issue.code == "claimed_elsewhere" for issue in self.errors)

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


Owner = tuple[str, int | None, bool]  # a file's kind, its organization, read well once


def claim_refused(owner: Owner | None, kind: str, organization_id: int | None) -> bool:
    """Whether a file already known as `owner` may not be read as a `kind` file of
    `organization_id`: it is another organization's, or another kind of file (an organization
    file listed as a service, the federation listed by a host). Only a good read binds: a file
    never read well belongs to nobody yet, so listing a file that does not exist, or is not a
    service, squats nothing."""
    if owner is None:
        return False
    owner_kind, owner_organization, established = owner
    if not established:
        return False
    if owner_kind != kind:
        return True
    return owner_organization is not None and owner_organization != organization_id


def _owner(session: Session, url: str) -> Owner | None:
    row = session.exec(
        select(Source.kind, Source.organization_id, Source.last_success_at).where(Source.url == url)
    ).first()
    return (row[0], row[1], row[2] is not None) if row else None


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def home_claim(claimant_file: str, url: str, owner_files: list[str]) -> bool:
    """Whether a service file bound to another organization is the claimant's after all: it is
    on the claimant's own site (the host name of its organization file) and none of the owner's
    organization files is. The server a file lives on decides what it says, so a first-come
    binding from another site (one run's order, a host listing a file before its owner) yields
    to it; two hosts sharing a site (a forge) stay first-come."""
    host = _host(url)
    return (
        host is not None
        and _host(claimant_file) == host
        and all(_host(file) != host for file in owner_files)
    )


def _organization_files(session: Session, organization_id: int | None) -> list[str]:
    return list(
        session.exec(
            select(Source.url).where(
                Source.organization_id == organization_id, Source.kind == "organization"
            )
        ).all()
    )


def _take_home(session: Session, url: str, at: datetime) -> None:
    """The file goes to the host whose site serves it; the service it published for the other
    organization is retired (kept, not deleted)."""
    source = session.exec(select(Source).where(Source.url == url)).one()
    service = session.get(Service, source.service_id) if source.service_id else None
    if service is not None:
        listings.retire_service(session, service, at)
    _unbind(session, url, "service")


def _unbind(session: Session, url: str, kind: str) -> None:
    """A file never read well, listed now as a `kind` file: it starts again as one."""
    source = session.exec(select(Source).where(Source.url == url)).one()
    source.kind, source.organization_id, source.service_id = kind, None, None
    source.parent_id = source.subs_key = source.etag = source.last_modified = None
    source.content_hash = None
    session.add(source)
    session.flush()


def claimed_issue(outcome: FileOutcome) -> Issue:
    return Issue("claimed_elsewhere", None, f"subs.{outcome.subs_key}", {"value": outcome.url})


def _refuse_claim(ledger: RunLedger, claimant: FileOutcome, outcome: FileOutcome) -> None:
    """The claimed file is left to its owner: a held result for the run (moderators see it),
    a warning on the claiming host's file."""
    issue = claimed_issue(outcome)
    if claimant.parsed is not None and issue not in claimant.parsed.warnings:
        claimant.parsed.warnings.append(issue)
    done = Attempt("held", {"errors": [issue.as_dict()]}, issue.message)
    ledger.result(None, outcome.url, done, outcome.fetch.status, [])


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
        organization_id = known.organization_id
        if organization_id is not None:  # else never published (its file failed from the start)
            for service_outcome in bundle.services:
                _reconcile_service(
                    session,
                    ledger,
                    known.id,
                    organization_id,
                    bundle,
                    service_outcome,
                    resolver,
                    at,
                )
        ledger.note(known, org_outcome, at)  # after the services: their claims warn it
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
    owner = _owner(session, org_outcome.url)
    if owner is not None and owner[0] != "organization":
        if owner[2]:
            # A federation lists another kind of file read well as such (a host's service
            # file, a federation): a federation binds organization files only.
            _refuse_claim(ledger, org_outcome, org_outcome)
            return None
        _unbind(session, org_outcome.url, "organization")  # a host's subs squatted it
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
    if organization is None:
        record_attempt(session, ledger, org_source, org_outcome, at)
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
            session, ledger, org_source.id, organization.id, bundle, service_outcome, resolver, at
        )
    if fresh and org_outcome.parsed is not None:
        _retire_missing(session, org_source.id, current_urls, at)
    record_attempt(session, ledger, org_source, org_outcome, at)  # with its services' claims
    return organization.id


def _reconcile_service(
    session: Session,
    ledger: RunLedger,
    org_source_id: int,
    organization_id: int,
    bundle: OrganizationBundle,
    outcome: FileOutcome,
    resolver: SoftwareResolver,
    at: datetime,
) -> None:
    known = _quiet(ledger, outcome, org_source_id, outcome.subs_key)
    if known is not None and known.organization_id == organization_id:
        ledger.note(known, outcome, at)
        return
    owner = _owner(session, outcome.url)
    if outcome.claimed or claim_refused(owner, "service", organization_id):
        home = owner is not None and owner[0] == "service" and not outcome.claimed
        if not home or not home_claim(
            bundle.organization.url, outcome.url, _organization_files(session, owner[1])
        ):
            _refuse_claim(ledger, bundle.organization, outcome)
            return
        _take_home(session, outcome.url, at)
    elif owner is not None and (owner[0], owner[1]) != ("service", organization_id):
        _unbind(session, outcome.url, "service")  # never read well: nobody's yet
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
        listed = {other.url for other in bundle.services}
        twin = _same_service(session, organization_id, service, software_id, record, listed)
        if twin is not None:
            outcome.errors.append(Issue("duplicate_service", params={"value": twin}))
            if service is not None:
                listings.retire_service(session, service, at)
            record_attempt(session, ledger, source, outcome, at)
            return
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


def service_address(url: str | None) -> str | None:
    """A service's address as compared for "the same service" (None: it has none)."""
    if not url:
        return None
    try:
        return canonical_url(url)
    except Refused:
        return url.strip().lower()


def _same_service(
    session: Session,
    organization_id: int,
    service: Service | None,
    software_id: int | None,
    record: ServiceRecord,
    listed: set[str],
) -> str | None:
    """Where the organization already publishes this service (same software, same address):
    the file that describes it (one its organization file still lists: a file it dropped is
    about to be retired), or the name of a service typed in a form. None if it does not."""
    address = service_address(record.fields.get("website"))
    if address is None:
        return None
    where = [
        Service.organization_id == organization_id,
        Service.software_id == software_id,
        Service.retired_at == None,  # noqa: E711
    ]
    if service is not None:
        where.append(Service.id != service.id)
    others = session.exec(select(Service).where(*where)).all()
    for other in others:
        if service_address(other.website) == address:
            url = session.exec(select(Source.url).where(Source.service_id == other.id)).first()
            if url is None or url in listed:
                return url or other.name
    return None


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

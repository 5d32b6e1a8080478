"""An import run: federation file → organization files → service files, then reconcile.

Fetching and parsing run in a bounded thread pool (network-bound); each organization is then
reconciled in its own transaction, so one bad host never spoils the others. Nothing a host
publishes can end a run: every per-file step is contained (what the fetcher and the parsers do
not already word is recorded as an internal failure of that file, and logged), and a run always
gets its finish time and its totals.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import sqlalchemy as sa

from directory.catalog import SoftwareResolver
from directory.db import Database
from directory.feeds.chatonsinfos import OrganizationRecord, parse_properties
from directory.feeds.issues import Issue, ParseError
from directory.feeds.ledger import Known, RunLedger, federation_scope, load_known
from directory.feeds.librehost import parse_librehost
from directory.feeds.news import parse_news
from directory.feeds.reconcile import (
    NEWS_KEPT,
    FileOutcome,
    OrganizationBundle,
    claim_refused,
    claimed_issue,
    content_hash,
    home_claim,
    reconcile_json,
    reconcile_news,
    reconcile_organization,
    record_attempt,
    source_for,
)
from directory.models import ImportRun, Source
from directory.outbound.fetch import Fetcher, FetchResult
from directory.timeutil import utcnow

log = logging.getLogger(__name__)

_KIND_NAMES = {
    "federation": "ChatonsInfos",
    "organization": "ChatonsInfos",
    "service": "ChatonsInfos",
    "json": "JSON",
    "news": "Atom or RSS",
}


def looks_like_html(content_type: str | None, content: bytes) -> bool:
    """An HTML error page served with 200 instead of the file (a common misconfiguration)."""
    if content_type and content_type.split(";")[0].strip().lower() in (
        "text/html",
        "application/xhtml+xml",
    ):
        return True
    head = content[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _parse(kind: str, content: bytes, url: str, content_type: str | None):
    if kind == "json":
        return parse_librehost(content, url)
    if kind == "news":
        return parse_news(content, url, content_type=content_type, limit=NEWS_KEPT)
    return parse_properties(content, url, expected=kind)


def _internal(url: str, subs_key: str | None, exc: Exception) -> FileOutcome:
    """A file whose processing raised what no rule words: recorded against it, logged."""
    log.exception("importer: processing %s failed", url)
    issue = Issue("internal", params={"detail": type(exc).__name__})
    return FileOutcome(url=url, subs_key=subs_key, fetch=FetchResult(url), errors=[issue])


def fetch_and_parse(
    fetcher: Fetcher, url: str, subs_key: str | None, expected: str, known: Known | None
) -> FileOutcome:
    try:
        return _fetch_and_parse(fetcher, url, subs_key, expected, known)
    except Exception as exc:  # contained: one file never ends a run (see the module's doc)
        return _internal(url, subs_key, exc)


def _fetch_and_parse(
    fetcher: Fetcher, url: str, subs_key: str | None, expected: str, known: Known | None
) -> FileOutcome:
    etag, last_modified = known.validators if known else (None, None)
    result = fetcher.fetch(url, etag=etag, last_modified=last_modified)
    # Identity is the address listed in subs, not where redirects led.
    outcome = FileOutcome(url=url, subs_key=subs_key, fetch=result)
    if result.ok and not result.not_modified and result.content is not None:
        outcome.content_hash = content_hash(result.content)
        if looks_like_html(result.content_type, result.content):
            outcome.errors = [Issue("got_html", params={"expected": _KIND_NAMES[expected]})]
            return outcome
        try:
            outcome.parsed = _parse(expected, result.content, result.url, result.content_type)
        except ParseError as exc:
            outcome.errors = exc.errors + exc.warnings
    return outcome


def _bundle(fetcher: Fetcher, url: str, subs_key: str, known: dict[str, Known]):
    organization = fetch_and_parse(fetcher, url, subs_key, "organization", known.get(url))
    if organization.parsed is not None:
        record = organization.parsed.record
        assert isinstance(record, OrganizationRecord)
        subs = [(sub.key, sub.url) for sub in record.subs]
    elif url in known:
        # Unchanged (304) or unreadable: its services are still those of its last good file.
        subs = list(known[url].children)
    else:
        subs = []
    own = known[url].organization_id if url in known else None
    services = []
    for key, sub_url in subs:
        other = known.get(sub_url)
        owner = (
            (other.kind, other.organization_id, other.last_success_at is not None)
            if other
            else None
        )
        if claim_refused(owner, "service", own) and not _home(known, url, sub_url, other):
            # Another host's file (or not a service file): not read for this one. Reconcile
            # checks again against the database, which has the last word.
            claimed = FileOutcome(url=sub_url, subs_key=key, fetch=FetchResult(sub_url))
            claimed.errors.append(claimed_issue(claimed))
            services.append(claimed)
        else:
            services.append(fetch_and_parse(fetcher, sub_url, key, "service", other))
    return OrganizationBundle(organization=organization, services=services)


def _home(known: dict[str, Known], claimant_file: str, url: str, owner: Known | None) -> bool:
    """The run's view of reconcile.home_claim (reconcile decides, against the database)."""
    if owner is None or owner.kind != "service":
        return False
    files = [
        k.url
        for k in known.values()
        if k.kind == "organization" and k.organization_id == owner.organization_id
    ]
    return home_claim(claimant_file, url, files)


ProgressCallback = Callable[[OrganizationBundle], None]


@contextlib.contextmanager
def contained(
    database: Database,
    ledger: RunLedger,
    outcome: FileOutcome,
    kind: str,
    parent_id: int | None = None,
) -> Iterator[None]:
    """Reconcile one organization's files (or one file) so that whatever it raises rolls back
    only its own transaction and is recorded against its file (created if the failed
    transaction was its first); the run goes on."""
    checkpoint = ledger.checkpoint()
    try:
        yield
    except Exception as exc:
        ledger.rollback(checkpoint)  # what was written in the failed transaction was lost too
        failed = _internal(outcome.url, outcome.subs_key, exc)
        try:
            with database.session_scope() as session:
                source = session.exec(sa.select(Source).where(Source.url == outcome.url)).scalar()
                if source is None:
                    source = Source(url=outcome.url, kind=kind, parent_id=parent_id)
                    source.subs_key = outcome.subs_key
                    session.add(source)
                    session.flush()
                if outcome.url not in ledger.handled:
                    record_attempt(session, ledger, source, failed, utcnow())
                ledger.write(session)
                session.commit()
        except Exception:
            # The notes themselves may be what fails (a row the database refuses): drop them so
            # that they do not poison every later transaction of the run.
            log.exception("importer: could not record the failure of %s", outcome.url)
            ledger.rollback(ledger.checkpoint_empty())


def _finish(database: Database, ledger: RunLedger) -> ImportRun:
    """Write what the ledger still holds and close the run (closed even if that write fails)."""
    try:
        with database.session_scope() as session:
            ledger.write(session)
            session.commit()
    except Exception:
        log.exception("importer: the last attempts of run %s could not be written", ledger.run_id)
    with database.session_scope() as session:
        run = session.get(ImportRun, ledger.run_id)
        run.finished_at = utcnow()
        session.add(run)
        session.commit()
        return run


def run_federation_import(
    database: Database,
    fetcher: Fetcher,
    url: str,
    *,
    trigger: str,
    membership: str = "member",
    workers: int = 8,
    on_start: Callable[[int], None] | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportRun:
    """Import every organization a federation file lists. Returns the finished run."""
    with database.session_scope() as session:
        known = load_known(session, federation_scope(url))
        resolver = SoftwareResolver.from_session(session)
    federation = fetch_and_parse(fetcher, url, None, "federation", known.get(url))
    with database.session_scope() as session:
        run = ImportRun(trigger=trigger, root_url=url, started_at=utcnow())
        session.add(run)
        session.flush()
        ledger = RunLedger(run.id, known)
        fed_source = source_for(session, ledger, url, "federation", None, None)
        record_attempt(session, ledger, fed_source, federation, utcnow())
        ledger.write(session)
        session.commit()
        fed_source_id = fed_source.id
    if federation.parsed is not None:
        subs = [(sub.key, sub.url) for sub in federation.parsed.record.subs]
    elif federation.fetch.not_modified and url in known:
        subs = [(key, sub_url) for key, sub_url in known[url].children]
    else:
        subs = []
    if on_start:
        on_start(len(subs))
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_bundle, fetcher, sub_url, key, known) for key, sub_url in subs]
            # Fetched in parallel, reconciled in the federation's order: a first import gives
            # its hosts the same ids whichever file answers first (the demo, tests and the
            # benchmark are the same from one run to the next).
            for future in futures:
                bundle = future.result()
                with (
                    contained(database, ledger, bundle.organization, "organization", fed_source_id),
                    database.session_scope() as session,
                ):
                    reconcile_organization(
                        session,
                        ledger,
                        fed_source_id,
                        bundle,
                        resolver,
                        membership=membership,
                        at=utcnow(),
                    )
                    # An unchanged organization touched no row: its attempts wait in the ledger.
                    if session.in_transaction() or ledger.due:
                        ledger.write(session)
                        session.commit()
                if on_progress:
                    on_progress(bundle)
    finally:
        run = _finish(database, ledger)
    return run


def due_federations(database: Database, now=None) -> list[str]:
    """Federation files due for a new run: the file itself or any file below it is due."""
    now = now or utcnow()
    with database.session_scope() as session:
        sources = session.exec(
            sa.select(Source.id, Source.parent_id, Source.kind, Source.url, Source.next_due_at)
        ).all()
    children: dict[int | None, list] = {}
    for source in sources:
        children.setdefault(source.parent_id, []).append(source)

    def is_due(source, seen: frozenset = frozenset()) -> bool:
        if source.next_due_at is None or source.next_due_at <= now:
            return True
        seen = seen | {source.id}  # a parent cycle (see `flask feeds repair`) must not loop
        return any(
            is_due(child, seen) for child in children.get(source.id, []) if child.id not in seen
        )

    return [s.url for s in sources if s.kind == "federation" and is_due(s)]


def all_federations(database: Database) -> list[str]:
    with database.session_scope() as session:
        return list(
            session.exec(sa.select(Source.url).where(Source.kind == "federation")).scalars()
        )


def forget_if_never_read(database: Database, url: str) -> bool:
    """Forget a federation file that has never been read and lists nothing (a mistyped
    address given on the command line), so it is not retried forever. True if forgotten."""
    with database.session_scope() as session:
        source = session.exec(sa.select(Source).where(Source.url == url)).scalar()
        if source is None or source.kind != "federation" or source.last_success_at is not None:
            return False
        if session.exec(sa.select(Source.id).where(Source.parent_id == source.id)).first():
            return False
        session.delete(source)
        session.commit()
        return True


def run_organization_sources(
    database: Database,
    fetcher: Fetcher,
    *,
    trigger: str,
    organization_id: int | None = None,
    due_only: bool = False,
    workers: int = 8,
) -> ImportRun:
    """Fetch organizations' JSON descriptions and news feeds (all, one organization's, or
    only those due), each reconciled in its own transaction."""
    now = utcnow()
    with database.session_scope() as session:
        where = [Source.kind.in_(("json", "news"))]
        if organization_id is not None:
            where.append(Source.organization_id == organization_id)
        known = load_known(session, *where)
        run = ImportRun(trigger=trigger, started_at=now)
        session.add(run)
        session.commit()
        ledger = RunLedger(run.id, known)
    sources = [
        s for s in known.values() if not due_only or s.next_due_at is None or s.next_due_at <= now
    ]
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(fetch_and_parse, fetcher, s.url, None, s.kind, s): s for s in sources
            }
            for future in as_completed(futures):
                known_source = futures[future]
                outcome = future.result()
                at = utcnow()
                if ledger.quiet(outcome.url, outcome) is not None:
                    ledger.note(known_source, outcome, at)
                    if not ledger.due:
                        continue
                kind = known_source.kind
                with (
                    contained(database, ledger, outcome, kind),
                    database.session_scope() as session,
                ):
                    if outcome.url not in ledger.handled:
                        source = source_for(session, ledger, outcome.url, kind, None, None)
                        reconcile = reconcile_json if kind == "json" else reconcile_news
                        reconcile(session, ledger, source, outcome, at)
                    ledger.write(session)
                    session.commit()
    finally:
        run = _finish(database, ledger)
    return run


def refresh_organization(
    database: Database, fetcher: Fetcher, organization_id: int, *, trigger: str
) -> ImportRun:
    """Fetch every source of one organization now: its ChatonsInfos file with its services,
    its JSON description and its news feed (the dashboard's "refresh now")."""
    with database.session_scope() as session:
        # Its files and those they list (service files are bound to it too).
        known = load_known(session, Source.organization_id == organization_id)
        resolver = SoftwareResolver.from_session(session)
    targets = [(k.url, k.subs_key) for k in known.values() if k.kind == "organization"]
    bundles = [_bundle(fetcher, url, key, known) for url, key in targets]
    run = run_organization_sources(
        database, fetcher, trigger=trigger, organization_id=organization_id
    )
    ledger = RunLedger(run.id, known)
    for bundle in bundles:
        with (
            contained(database, ledger, bundle.organization, "organization"),
            database.session_scope() as session,
        ):
            reconcile_organization(
                session, ledger, None, bundle, resolver, membership="candidate", at=utcnow()
            )
            ledger.write(session)
            session.commit()
    return _finish(database, ledger)


@dataclass
class Preview:
    """What a source would publish, read without touching the database."""

    kind: str
    main: FileOutcome
    services: list[FileOutcome]

    @property
    def ok(self) -> bool:
        return not self.main.failed and not any(s.failed for s in self.services)


def preview_source(fetcher: Fetcher, url: str, kind: str) -> Preview:
    """Fetch and parse a source (and, for an organization file, its service files) so a host
    sees the parsed result and every error, with its line, before anything is saved."""
    if kind == "organization":
        bundle = _bundle(fetcher, url, None, {})
        return Preview(kind, bundle.organization, bundle.services)
    return Preview(kind, fetch_and_parse(fetcher, url, None, kind, None), [])

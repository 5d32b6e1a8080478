"""What one attempt makes of its source, what a run knows of its sources, and the attempts
it has yet to write.

Most files of a re-import are unchanged (304, or the same bytes), and a few fail again. When
such a file belongs to a settled listing it changes nothing but its own source row, so it needs
neither ORM objects nor a transaction of its own: its attempt is noted in the run's ledger and
written with many others in a few statements (source rows, ImportResult rows, the run's
totals). Files that change a listing still go through the ORM and directory/listings.py, so
the search index hears of them (search/sync.py watches ORM flushes; Core statements stay out
of its sight, so callers send down this path only what must not reindex).

A good read of a listing's file confirms the listing (directory/staleness.py): the ledger
collects the confirmations of both paths and writes them in one statement per batch, at most
one a day per organization.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session

from directory.models import ImportResult, ImportRun, Organization, Service, Source
from directory.staleness import CONFIRMING_KINDS

if TYPE_CHECKING:
    from directory.feeds.reconcile import FileOutcome

SUCCESS_INTERVAL = timedelta(hours=6)
MAX_BACKOFF = timedelta(hours=48)
# Codes that refuse a file (the others are warnings that came along with the refusal).
_ERROR_CODES = {
    "claimed_elsewhere", "duplicate_service", "internal",
    "undecodable", "empty", "wrong_class", "missing_required", "bad_registration", "bad_json",
    "too_many_keys", "got_html", "held_takeover", "feed_empty", "feed_entities",
    "feed_not_a_feed", "feed_truncated", "feed_timeout", "feed_unreadable",
}  # fmt: skip
# Failures on our side (our name server timed out), not the host's.
NOT_THE_HOSTS_FAULT = {"resolver_timeout"}
RETRY_OUR_FAULT = timedelta(minutes=15)
WRITE_EVERY = 500  # noted attempts; bounds what a crash loses and what memory holds
SOURCES_WRITTEN = "portee_sources_written"  # a session.info key (see RunLedger.write)


@dataclass(frozen=True)
class Attempt:
    outcome: str  # changed | unchanged | failed | held
    values: dict  # the source's new column values
    error: str | None = None


def attempt(source: Source | Known, outcome: FileOutcome, at: datetime) -> Attempt:
    """What one attempt makes of its source (status, backoff, errors, validators). Pure, so
    that the ORM path and the ledger write the same thing."""
    fetch = outcome.fetch
    values: dict = {"last_attempt_at": at, "last_status": fetch.status}
    warnings = [w.as_dict() for w in (outcome.parsed.warnings if outcome.parsed else [])]
    if outcome.failed and fetch.error is not None and fetch.error.code in NOT_THE_HOSTS_FAULT:
        # Nothing was asked of the host's server: no failure counted, no backoff, and the last
        # good read keeps its date; the host sees why, and the file is read again soon.
        values.update(
            last_error=fetch.error.message,
            errors=[fetch.error.as_dict()],
            next_due_at=at + RETRY_OUR_FAULT,
        )
        return Attempt("failed", values, fetch.error.message)
    if outcome.failed:
        failures = source.consecutive_failures + 1
        issues = [fetch.error] if fetch.error else outcome.errors
        issue = issues[0]
        # (The exponent is capped: 2**6 hours is past the cap, and timedelta overflows.)
        backoff = min(timedelta(hours=2 ** min(failures, 6)), MAX_BACKOFF)
        if fetch.retry_after:  # the server asked for a pause: honour it, capped
            backoff = max(backoff, min(timedelta(seconds=fetch.retry_after), MAX_BACKOFF))
        values.update(
            consecutive_failures=failures,
            failing_since=source.failing_since or at,
            last_error=issue.message,
            errors=[i.as_dict() for i in issues if i.code in _ERROR_CODES or i is issue],
            warnings=[i.as_dict() for i in issues if i.code not in _ERROR_CODES] + warnings,
            next_due_at=at + backoff,
        )
        result = "held" if issue.code == "held_takeover" else "failed"
        return Attempt(result, values, issue.message)
    values.update(
        consecutive_failures=0,
        failing_since=None,
        last_error=None,
        errors=[],
        last_success_at=at,
        next_due_at=at + SUCCESS_INTERVAL,
    )
    if fetch.etag or fetch.last_modified:
        values.update(etag=fetch.etag, last_modified=fetch.last_modified)
    if outcome.parsed is not None:
        values.update(warnings=warnings, content_hash=outcome.content_hash)
    return Attempt("unchanged" if outcome.unchanged(source) else "changed", values)


@dataclass(frozen=True)
class Known:
    """One source as the database had it when the run began."""

    id: int
    url: str
    kind: str
    parent_id: int | None
    subs_key: str | None
    organization_id: int | None
    service_id: int | None
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    last_success_at: datetime | None
    next_due_at: datetime | None
    consecutive_failures: int
    failing_since: datetime | None
    confirmed_at: datetime | None  # its organization's last confirmation
    # An unchanged file would change nothing of its listing: the service it describes is live,
    # the organization was not told its listing went stale (a good read must clear that).
    settled: bool
    children: tuple[tuple[str | None, str], ...]  # (subs key, url) of its last good subs

    @property
    def validators(self) -> tuple[str | None, str | None]:
        """ETag and Last-Modified for a conditional GET."""
        if self.organization_id is None and self.kind != "federation":
            # Without a bound listing, a 304 would leave nothing to publish: ask again.
            return None, None
        return self.etag, self.last_modified


def federation_scope(url: str):
    """The federation file at `url`, its organization files and their service files."""
    root = sa.select(Source.id).where(Source.url == url).scalar_subquery()
    below = sa.select(Source.id).where(Source.parent_id == root)
    return sa.or_(Source.url == url, Source.parent_id == root, Source.parent_id.in_(below))


def load_known(session: Session, *where) -> dict[str, Known]:
    """The sources matching `where`, by URL: the columns a run needs, in one query."""
    statement = (
        sa.select(
            Source.id,
            Source.url,
            Source.kind,
            Source.parent_id,
            Source.subs_key,
            Source.organization_id,
            Source.service_id,
            Source.etag,
            Source.last_modified,
            Source.content_hash,
            Source.last_success_at,
            Source.next_due_at,
            Source.consecutive_failures,
            Source.failing_since,
            Organization.confirmed_at,
            Organization.stale_notified_at,
            Organization.hidden_notified_at,
            Service.id.label("live_service_id"),
            Service.retired_at,
        )
        .outerjoin(Organization, Organization.id == Source.organization_id)
        .outerjoin(Service, Service.id == Source.service_id)
        .where(*where)
    )
    rows = session.exec(statement).all()
    children: dict[int, list[tuple[str | None, str]]] = {}
    for row in rows:
        # A service file whose service was retired left its organization's file: an unchanged
        # (304) organization file does not list it again.
        dropped = row.kind == "service" and row.retired_at is not None
        if row.parent_id is not None and not dropped:
            children.setdefault(row.parent_id, []).append((row.subs_key, row.url))
    known = {}
    for row in rows:
        if row.kind == "organization":
            settled = row.organization_id is not None and not (
                row.stale_notified_at or row.hidden_notified_at
            )
        elif row.kind == "service":
            settled = row.live_service_id is not None and row.retired_at is None
        else:  # json and news files only update their own rows; a federation file has a run
            settled = row.kind != "federation" and row.organization_id is not None
        known[row.url] = Known(
            id=row.id,
            url=row.url,
            kind=row.kind,
            parent_id=row.parent_id,
            subs_key=row.subs_key,
            organization_id=row.organization_id,
            service_id=row.service_id,
            etag=row.etag,
            last_modified=row.last_modified,
            content_hash=row.content_hash,
            last_success_at=row.last_success_at,
            next_due_at=row.next_due_at,
            consecutive_failures=row.consecutive_failures,
            failing_since=row.failing_since,
            confirmed_at=row.confirmed_at,
            settled=settled,
            children=tuple(children.get(row.id, ())),
        )
    return known


_source = Source.__table__


def _update_statement(names: tuple[str, ...]):
    """UPDATE source SET <names> WHERE id = :key, for executemany (bound names are prefixed:
    SQLAlchemy keeps the bare column names for itself)."""
    values = {name: sa.bindparam(f"new_{name}", type_=_source.c[name].type) for name in names}
    return _source.update().where(_source.c.id == sa.bindparam("key")).values(values)


_organization = Organization.__table__
_new_confirmation = sa.bindparam("new_confirmed_at", type_=_organization.c.confirmed_at.type)
# A confirmation never moves back (a save may have come after the read).
_CONFIRM = (
    _organization.update()
    .where(
        _organization.c.id == sa.bindparam("key"),
        _organization.c.confirmed_at < _new_confirmation,
    )
    .values(confirmed_at=_new_confirmation)
)


class RunLedger:
    """One run's view of its sources (`known`, loaded once) and its unwritten attempts.

    Only the main thread of a run uses it. `write(session)` must come before any ORM change to
    a source in the same transaction, so a row noted here is never written over a newer one:
    `directory.feeds.reconcile.source_for` does it.
    """

    def __init__(self, run_id: int, known: dict[str, Known]) -> None:
        self.run_id = run_id
        self.known = known
        self.handled: set[str] = set()  # URLs attempted in this run (a file may be listed twice)
        self._totals: Counter[str] = Counter()
        self._results: list[dict] = []
        self._updates: dict[tuple[str, ...], list[dict]] = {}  # rows by the columns they set
        self._confirmed: dict[int, datetime] = {}  # organization id → its latest good read
        self._confirmed_written: set[int] = set()  # organizations confirmed by this run

    def quiet(self, url: str, outcome: FileOutcome) -> Known | None:
        """What is known of `url` if this attempt changes nothing but its own source row: it
        failed, or it is unchanged and its listing is settled. None: go through the ORM."""
        known = self.known.get(url)
        if known is None or url in self.handled:
            return None
        if outcome.failed or (known.settled and outcome.unchanged(known)):
            return known
        return None

    def count(self, outcome: str) -> None:
        # A held file is counted with the failures: nothing of it was published.
        self._totals["failed" if outcome == "held" else outcome] += 1
        self._totals["sources_tried"] += 1

    def result(self, source_id: int | None, url: str, done: Attempt, http_status: int | None,
               warnings: list) -> None:  # fmt: skip
        """An ImportResult row for the run, written with the next batch."""
        self.handled.add(url)
        self.count(done.outcome)
        self._confirm(url, done.values.get("last_success_at"))
        self._results.append(
            {
                "run_id": self.run_id,
                "source_id": source_id,
                "url": url,
                "outcome": done.outcome,
                "http_status": http_status,
                "error": done.error,
                "errors": done.values.get("errors", []),
                "warnings": warnings if done.outcome != "unchanged" else [],
            }
        )

    def _confirm(self, url: str, read_at: datetime | None) -> None:
        """A good read of a listing's file confirms the listing; a file whose listing was
        already confirmed that day writes nothing (the date is what staleness counts)."""
        known = self.known.get(url)
        if read_at is None or known is None or known.organization_id is None:
            return
        if known.kind not in CONFIRMING_KINDS or known.organization_id in self._confirmed_written:
            return
        if known.confirmed_at is not None and known.confirmed_at.date() >= read_at.date():
            return
        previous = self._confirmed.get(known.organization_id)
        self._confirmed[known.organization_id] = max(read_at, previous or read_at)

    def note(self, known: Known, outcome: FileOutcome, at: datetime) -> None:
        """A quiet attempt (see `quiet`): its source row is written with the next batch."""
        done = attempt(known, outcome, at)
        row = {f"new_{name}": value for name, value in done.values.items()}
        row["key"] = known.id
        self._updates.setdefault(tuple(sorted(done.values)), []).append(row)
        self.result(
            known.id, outcome.url, done, outcome.fetch.status, done.values.get("warnings", [])
        )

    def checkpoint(self) -> tuple:
        """What is noted now, to put back if the transaction it may be written in fails."""
        updates = {names: list(rows) for names, rows in self._updates.items()}
        return (
            list(self._results),
            updates,
            Counter(self._totals),
            set(self.handled),
            dict(self._confirmed),
            set(self._confirmed_written),
        )

    def checkpoint_empty(self) -> tuple:
        """A checkpoint with nothing noted (what this run already wrote stays written)."""
        return [], {}, Counter(), set(self.handled), {}, set(self._confirmed_written)

    def rollback(self, checkpoint: tuple) -> None:
        """Forget what was noted (or written in a transaction rolled back) since `checkpoint`."""
        (
            self._results,
            self._updates,
            self._totals,
            self.handled,
            self._confirmed,
            self._confirmed_written,
        ) = checkpoint

    @property
    def due(self) -> bool:
        return len(self._results) >= WRITE_EVERY

    def write(self, session: Session) -> None:
        """Write what was noted, in the session's transaction (the caller commits)."""
        if not (self._results or self._updates or self._confirmed):
            return
        connection = session.connection()
        for names, rows in self._updates.items():
            connection.execute(_update_statement(names), rows)
        if self._confirmed:
            rows = [{"key": k, "new_confirmed_at": at} for k, at in self._confirmed.items()]
            connection.execute(_CONFIRM, rows)
            self._confirmed_written.update(self._confirmed)
            # These statements pass no ORM flush: the key tells search/sync.py that listings'
            # confirmations may have changed (it reads staleness again after the commit).
            session.info[SOURCES_WRITTEN] = True
        if self._results:
            connection.execute(sa.insert(ImportResult.__table__), self._results)
        if self._totals:
            run = ImportRun.__table__
            connection.execute(
                run.update()
                .where(run.c.id == self.run_id)
                .values({name: run.c[name] + n for name, n in self._totals.items()})
            )
        self._results, self._updates, self._totals = [], {}, Counter()
        self._confirmed = {}

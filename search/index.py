"""The Whoosh index: open, update one organization's offers, rebuild from the database.

It is derived data: deleting it loses nothing (`flask search rebuild`). Each build records the
schema version and the database it was built from (search/folders.py). Writers always pass a
lock timeout (Whoosh's default of 0 fails at once when another writer holds the lock).
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from search.documents import documents_for, offers_of
from search.folders import REBUILD_LOCK, SWAP_LOCK, Folder
from search.schema import SCHEMA_VERSION, build_schema
from search.snapshot import Snapshot

log = logging.getLogger(__name__)
INDEX_NAME = "offers"
LOCK_TIMEOUT = 10.0
SETTLED_NS = 2_000_000_000
READ_ATTEMPTS = 4  # reads of a build that changed while read, before giving up
CATCH_UP_HOLDING = 50  # organizations re-indexed while writers wait, at most (else one more round)


class IndexUnavailable(RuntimeError):
    """The index is missing, unreadable or locked: search cannot answer right now."""


class IndexStale(IndexUnavailable):
    """The index must be rebuilt before it can answer: `reason` says why (REASONS)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"search index {reason}{': ' + detail if detail else ''}")
        self.reason = reason


# Why an index must be rebuilt.
MISSING = "missing"  # no build in the folder
VERSION = "version"  # built by a version with another schema (or before builds had an identity)
DATABASE = "database"  # built from another database
EMPTY = "empty"  # no offer, while the database offers some
COUNT = "count"  # another number of offers than the database's (checked by `directory init`)
UNREADABLE = "unreadable"  # its files cannot be read (checked by `directory init`)


class _Moved(Exception):
    """The link named another build while this one was read: read again from the link."""


# A verdict on a build: its identity (None if it has none) and, once read, how many offers
# it holds → a reason to rebuild it, or None.
Expectation = Callable[[dict | None, int | None], str | None]


class OfferIndex:
    """The index of offers in a folder of builds (search/folders.py).

    `expected`, when given, judges each build when a process first opens it: a build it
    refuses raises IndexStale until a rebuild replaces it.
    """

    def __init__(self, directory: str | Path, expected: Expectation | None = None) -> None:
        self.directory = Path(directory)
        self.folder = Folder(self.directory, INDEX_NAME)
        self.expected = expected
        self._link = str(self.folder.link)
        self._opened: tuple[Path, object] | None = None  # (build, Whoosh index) readers use
        self._accepted: Path | None = None  # the build `expected` accepted
        self._refused: tuple[tuple, IndexStale] | None = None  # (marker, why)
        self._snapshot: Snapshot | None = None
        self._snapshot_marker: tuple | None = None
        self._snapshot_lock = threading.Lock()
        self._segments: dict = {}  # what snapshots read, by segment (search/snapshot.py)

    # -- reading ---------------------------------------------------------------------------
    def build(self) -> Path | None:
        """The build in use (None when there is none)."""
        build = self.folder.resolve()
        if build is None or not _has_index(build):
            return None
        return build

    def exists(self) -> bool:
        return self.build() is not None

    def identity(self) -> dict | None:
        """What the build in use says of itself: {"schema", "database", "built_at"}."""
        build = self.build()
        return None if build is None else self.folder.identity(build)

    def current(self) -> bool:
        """True when the index exists and was built with this version's schema."""
        identity = self.identity()
        return identity is not None and identity.get("schema") == SCHEMA_VERSION

    def open(self):
        """The Whoosh index of the build in use."""
        build = self.build()
        if build is None:
            raise IndexStale(MISSING, str(self.directory))
        try:
            return _open(build)
        except Exception as exc:  # a half-written or foreign folder
            raise IndexUnavailable(str(exc)) from exc

    def snapshot(self) -> Snapshot:
        """The current version of the index, in memory (search/snapshot.py).

        One stat() of the link (it follows it to the build in use) tells whether the snapshot
        is still current: a commit changes the build's modification time, a rebuild the inode.
        File times are coarse (a few ms), so a build changed in the last seconds is checked
        again at the next call. A build that vanishes or changes while it is read (a commit's
        new table of contents, a rebuild's swap) is read again from the link.
        """
        try:
            stat = os.stat(self._link)
            marker = (stat.st_ino, stat.st_mtime_ns)
        except OSError:
            stat, marker = None, None
        with self._snapshot_lock:
            current = self._snapshot
            if current is not None and marker is not None and marker == self._snapshot_marker:
                return current
            refused = self._refused
            if refused is not None and marker == refused[0]:
                raise refused[1]
            error: Exception | None = None
            for _attempt in range(READ_ATTEMPTS):
                try:
                    snapshot = self._load(current)
                except IndexStale as exc:
                    if marker is not None:
                        self._refused = (marker, exc)
                    raise
                except IndexUnavailable:
                    raise
                except Exception as exc:  # a build or a segment that vanished while read
                    error = exc
                    self._opened = None
                    continue
                settled = stat is not None and time.time_ns() - stat.st_mtime_ns > SETTLED_NS
                self._snapshot_marker = marker if settled else None
                self._refused = None
                return snapshot
            raise IndexUnavailable(f"the search index could not be read: {error}") from error

    def _load(self, current: Snapshot | None) -> Snapshot:
        """Called with the snapshot lock held."""
        build = self.folder.resolve()
        if build is None:
            raise IndexStale(MISSING, str(self.directory))

        def refuse(reason: str) -> Exception:
            if self.folder.resolve() != build:  # swapped (and deleted) while being read
                return _Moved(str(build))
            return IndexStale(reason, str(build))

        opened = self._opened
        if opened is None or opened[0] != build:
            if not _has_index(build):
                raise refuse(MISSING)
            opened = self._opened = (build, _open(build))
        ix = opened[1]
        judge = self.expected if build != self._accepted else None
        if judge is not None:
            identity = self.folder.identity(build)
            reason = judge(identity, None)
            if reason:
                raise refuse(reason)
        version = self._version(build, ix)
        snapshot = current
        if current is None or current.version != version:
            snapshot = Snapshot(ix.reader(), version, self._segments, current)
        if judge is not None:
            reason = judge(identity, snapshot.live.bit_count())
            if reason:
                if snapshot is not current:
                    snapshot.close()
                raise refuse(reason)
            self._accepted = build
        if snapshot is not current:
            self._snapshot = snapshot
            if current is not None:
                current.close()
        return snapshot

    def _version(self, build: Path, ix) -> tuple:
        """What tells one committed version of the index from another, even across a rebuild
        (the generation alone starts again from zero in each build)."""
        generation = ix.latest_generation()
        toc = os.stat(build / f"_{INDEX_NAME}_{generation}.toc")
        return (build.name, generation, toc.st_ino, toc.st_mtime_ns)

    def document_count(self) -> int:
        return self.open().doc_count()

    def organization_count(self) -> int:
        """How many organizations have at least one offer in the index."""
        return self.snapshot().organization_count()

    # -- writing ---------------------------------------------------------------------------
    def mark(self) -> int | None:
        """How far the build in use has applied the change table (search/follow.py)."""
        build = self.build()
        return None if build is None else self.folder.mark(build)

    def update_organizations(
        self, session: Session, organization_ids: set[int], mark: int | None = None
    ) -> None:
        """Replace the documents of these organizations with their current offers.

        Called after the commit that changed them. A rebuild running meanwhile (in any
        process) read the database before that commit, perhaps: the organizations go to its
        journal too, and it indexes them again before it swaps its build in. The swap waits
        for this write, and a write that comes after the swap finds the new build.

        `mark` (the follower's) is written into the build the organizations went to, after them.
        """
        if not organization_ids and mark is None:
            return
        try:
            with self.folder.lock(SWAP_LOCK, shared=True):
                self._update(session, organization_ids, mark)
        except OSError as exc:  # a folder this process may not write
            raise IndexUnavailable(f"the search index cannot be written: {exc}") from exc

    def _update(self, session: Session, organization_ids: set[int], mark: int | None) -> None:
        """Called with the swap lock held (shared)."""
        recorded = self.folder.record(organization_ids) if organization_ids else False
        build = self.build()
        if build is None:
            if recorded and mark is None:
                return  # the rebuild will index them
            raise IndexStale(MISSING, str(self.directory))
        if organization_ids:
            try:
                ix = _open(build)
            except Exception as exc:  # a half-written or foreign folder
                raise IndexUnavailable(str(exc)) from exc
            _write(ix, session, organization_ids)
        if mark is not None:
            self.folder.write_mark(build, mark)

    def rebuild(
        self,
        sessions: Callable[[], AbstractContextManager[Session]],
        database_id: str,
        *,
        total: Callable[[int], None] | None = None,
        advance: Callable[[int], None] | None = None,
        wait: bool = True,
        needed: Callable[[], str | None] | None = None,
        mark: Callable[[], int] | None = None,
    ) -> int | None:
        """Fill a new build from the database, catch up with what was committed meanwhile,
        then swap it in. Returns the number of offers indexed.

        `sessions()` opens a session (each round of catching up reads the database again).
        One rebuild runs at a time: another one waits, or with `wait` off gives up (None).
        `needed()`, asked once the rebuild holds its lock, may say that it is no longer needed
        (another process has just rebuilt): None is returned then. `mark()`, asked before the
        database is read, gives the newest id of the change table, which the build records:
        what is committed after it is applied by the follower (search/follow.py).
        """
        with self.folder.lock(REBUILD_LOCK, wait=wait) as held:
            if not held or (needed is not None and not needed()):
                return None
            # The journal starts before the database is read: a commit is either seen by the
            # read below or noted by its writer, which runs after it.
            noted = mark() if mark is not None else None
            self.folder.start_journal()
            build = self.folder.new_build()
            try:
                count = self._fill(build, sessions, total, advance)
                # Catch up without holding writers back, then hold them for the last changes.
                changed = self._take_changes()
                while len(changed) > CATCH_UP_HOLDING:
                    self._catch_up(build, sessions, changed)
                    changed = self._take_changes()
                with self.folder.lock(SWAP_LOCK):
                    changed |= self.folder.take_journal()
                    self._catch_up(build, sessions, changed)
                    identity = {
                        "schema": SCHEMA_VERSION,
                        "database": database_id,
                        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    }
                    self.folder.write_identity(build, identity)
                    if noted is not None:
                        self.folder.write_mark(build, noted)
                    self.folder.publish(build)
                    self.folder.stop_journal()
            except BaseException:
                self.folder.stop_journal()
                shutil.rmtree(build, ignore_errors=True)
                raise
            self.folder.remove_all_but(build)
            return count

    def _fill(self, build: Path, sessions, total, advance) -> int:
        count = 0
        with sessions() as session:
            organizations = list(offers_of(session))
            if total:
                total(len(organizations))
            ix = whoosh_index.create_in(str(build), build_schema(), indexname=INDEX_NAME)
            with ix.writer(timeout=LOCK_TIMEOUT, limitmb=128) as writer:
                for organization in organizations:
                    for doc in documents_for(organization):
                        writer.add_document(**doc)
                        count += 1
                    if advance:
                        advance(1)
            ix.close()
        return count

    def _take_changes(self) -> set[int]:
        with self.folder.lock(SWAP_LOCK):
            return self.folder.take_journal()

    @staticmethod
    def _catch_up(build: Path, sessions, organization_ids: set[int]) -> None:
        if organization_ids:
            with sessions() as session:
                _write(_open(build), session, organization_ids)


def _has_index(build: Path) -> bool:
    try:
        return whoosh_index.exists_in(str(build), indexname=INDEX_NAME)
    except OSError:  # a half-written table of contents (paperless-ngx#5882)
        return False


def _open(build: Path):
    # Without mmap: whoosh-reloaded copies each mapped file into memory (BytesIO of a
    # memoryview), which made every reader as large as the index (50 MB at 10,000 hosts).
    # Plain files are read through the page cache instead.
    return FileStorage(str(build), supports_mmap=False).open_index(INDEX_NAME)


def _write(ix, session: Session, organization_ids: set[int]) -> None:
    try:
        writer = ix.writer(timeout=LOCK_TIMEOUT)
    except LockError as exc:
        raise IndexUnavailable("the search index is locked by another writer") from exc
    try:
        for organization_id in organization_ids:
            writer.delete_by_term("org_id", organization_id)
        for organization in offers_of(session, sorted(organization_ids)):
            for doc in documents_for(organization):
                writer.add_document(**doc)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()

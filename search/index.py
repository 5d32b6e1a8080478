"""The Whoosh index: open, update one organization's offers, rebuild from the database.

It is derived data: deleting it loses nothing (`flask search rebuild`). Writers always pass a
lock timeout (Whoosh's default of 0 fails at once when another writer holds the lock).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from search.documents import documents_for, offers_of
from search.schema import SCHEMA_VERSION, build_schema
from search.snapshot import Snapshot

log = logging.getLogger(__name__)
INDEX_NAME = "offers"
LOCK_TIMEOUT = 10.0
SETTLED_NS = 2_000_000_000


class IndexUnavailable(RuntimeError):
    """The index is missing, unreadable or locked: search cannot answer right now."""


class OfferIndex:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._index = None
        self._snapshot: Snapshot | None = None
        self._snapshot_marker: tuple | None = None
        self._snapshot_lock = threading.Lock()
        self._segments: dict = {}  # what snapshots read, by segment (search/snapshot.py)

    # -- reading ---------------------------------------------------------------------------
    def exists(self) -> bool:
        try:
            return whoosh_index.exists_in(str(self.directory), indexname=INDEX_NAME)
        except OSError:  # a half-written table of contents (paperless-ngx#5882)
            return False

    def current(self) -> bool:
        """True when the index exists and was built with this version's schema."""
        marker = self.directory / "SCHEMA_VERSION"
        return (
            self.exists() and marker.exists() and marker.read_text().strip() == str(SCHEMA_VERSION)
        )

    def open(self):
        if self._index is not None and self.exists():
            return self._index
        if not self.exists():
            self._index = None
            raise IndexUnavailable(f"no search index in {self.directory}")
        if not self.current():
            raise IndexUnavailable("the search index was built by another version: rebuild it")
        try:
            # Without mmap: whoosh-reloaded copies each mapped file into memory (BytesIO of a
            # memoryview), which made every reader as large as the index (50 MB at 10,000
            # hosts). Plain files are read through the page cache instead.
            storage = FileStorage(str(self.directory), supports_mmap=False)
            self._index = storage.open_index(INDEX_NAME)
        except Exception as exc:  # a half-written or foreign directory
            raise IndexUnavailable(str(exc)) from exc
        return self._index

    def snapshot(self) -> Snapshot:
        """The current version of the index, in memory (search/snapshot.py).

        Every commit and every rebuild changes the folder's modification time or inode, so one
        stat() tells whether the snapshot is still current. File times are coarse (a few ms),
        so a folder changed in the last seconds is checked again at the next call.
        """
        try:
            stat = os.stat(self.directory)
        except OSError as exc:
            raise IndexUnavailable(f"no search index in {self.directory}") from exc
        marker = (stat.st_ino, stat.st_mtime_ns)
        with self._snapshot_lock:
            current = self._snapshot
            if current is not None and marker == self._snapshot_marker:
                return current
            ix = self.open()
            try:
                version = self._version(ix)
                if current is None or current.version != version:
                    self._snapshot = Snapshot(ix.reader(), version, self._segments)
                    if current is not None:
                        current.close()
            except Exception as exc:  # a half-written or vanished segment
                self._index = None
                raise IndexUnavailable(str(exc)) from exc
            settled = time.time_ns() - stat.st_mtime_ns > SETTLED_NS
            self._snapshot_marker = marker if settled else None
            return self._snapshot

    def _version(self, ix) -> tuple:
        """What tells one committed version of the index from another, even across a rebuild
        that swapped the folder (the generation alone starts again from zero)."""
        generation = ix.latest_generation()
        toc = os.stat(self.directory / f"_{INDEX_NAME}_{generation}.toc")
        return (generation, toc.st_ino, toc.st_mtime_ns)

    def document_count(self) -> int:
        return self.open().doc_count()

    def organization_count(self) -> int:
        """How many organizations have at least one offer in the index."""
        return self.snapshot().organization_count()

    # -- writing ---------------------------------------------------------------------------
    def create_empty(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        whoosh_index.create_in(str(self.directory), build_schema(), indexname=INDEX_NAME)
        (self.directory / "SCHEMA_VERSION").write_text(str(SCHEMA_VERSION))
        self._index = None

    def update_organizations(self, session: Session, organization_ids: set[int]) -> None:
        """Replace the documents of these organizations with their current offers."""
        if not organization_ids:
            return
        ix = self.open()
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

    def rebuild(
        self,
        session: Session,
        *,
        total: Callable[[int], None] | None = None,
        advance: Callable[[int], None] | None = None,
    ) -> int:
        """Fill a fresh index beside the live one from the database, then swap it in."""
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=".rebuild-", dir=self.directory.parent))
        organizations = list(offers_of(session))
        if total:
            total(len(organizations))
        ix = whoosh_index.create_in(str(fresh), build_schema(), indexname=INDEX_NAME)
        count = 0
        with ix.writer(timeout=LOCK_TIMEOUT, limitmb=128) as writer:
            for organization in organizations:
                for doc in documents_for(organization):
                    writer.add_document(**doc)
                    count += 1
                if advance:
                    advance(1)
        ix.close()
        (fresh / "SCHEMA_VERSION").write_text(str(SCHEMA_VERSION))
        self._swap_in(fresh)
        return count

    def _swap_in(self, fresh: Path) -> None:
        old = None
        if self.directory.exists():
            old = Path(tempfile.mkdtemp(prefix=".old-", dir=self.directory.parent))
            old.rmdir()
            self.directory.rename(old)
        fresh.rename(self.directory)
        self._index = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

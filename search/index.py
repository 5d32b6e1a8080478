"""The Whoosh index: open, update one organization's offers, rebuild from the database.

It is derived data: deleting it loses nothing (`flask search rebuild`). Writers always pass a
lock timeout (Whoosh's default of 0 fails at once when another writer holds the lock).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session
from whoosh import index as whoosh_index
from whoosh.index import LockError

from search.documents import confirmations, documents_for, offers_of
from search.schema import SCHEMA_VERSION, build_schema

log = logging.getLogger(__name__)
INDEX_NAME = "offers"
LOCK_TIMEOUT = 10.0


class IndexUnavailable(RuntimeError):
    """The index is missing, unreadable or locked: search cannot answer right now."""


class OfferIndex:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._index = None

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
            self._index = whoosh_index.open_dir(str(self.directory), indexname=INDEX_NAME)
        except Exception as exc:  # a half-written or foreign directory
            raise IndexUnavailable(str(exc)) from exc
        return self._index

    def searcher(self, weighting):
        try:
            return self.open().searcher(weighting=weighting)
        except IndexUnavailable:
            raise
        except Exception as exc:
            self._index = None
            raise IndexUnavailable(str(exc)) from exc

    def document_count(self) -> int:
        return self.open().doc_count()

    def organization_count(self) -> int:
        """How many organizations have at least one offer in the index."""
        with self.open().searcher() as searcher:
            if searcher.doc_count() == 0:
                return 0
            column = searcher.reader().column_reader("org_id")
            return len({column[docnum] for docnum in searcher.reader().all_doc_ids()})

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
            confirmed = confirmations(session, sorted(organization_ids))
            for organization in offers_of(session, sorted(organization_ids)):
                for doc in documents_for(organization, confirmed.get(organization.id)):
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
        confirmed = confirmations(session)
        if total:
            total(len(organizations))
        ix = whoosh_index.create_in(str(fresh), build_schema(), indexname=INDEX_NAME)
        count = 0
        with ix.writer(timeout=LOCK_TIMEOUT, limitmb=128) as writer:
            for organization in organizations:
                for doc in documents_for(organization, confirmed.get(organization.id)):
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

"""The derived search index behind a small interface: search, reindex, rebuild.

Every Whoosh call lives in this package, so the engine can change in one place.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app
from sqlmodel import func, select

from directory.db import Database, get_database
from directory.models import Category, Software
from search import sync
from search.index import IndexUnavailable, OfferIndex
from search.query import SearchParams, SearchResults, run_search
from search.vocabulary import Vocabulary

__all__ = ["IndexUnavailable", "SearchParams", "SearchResults", "SearchService", "get_search"]
log = logging.getLogger(__name__)
EXTENSION_KEY = "portee.search"


class SearchService:
    """What the rest of Portée knows of search."""

    def __init__(self, database: Database, index_dir: str, rotation_salt: str) -> None:
        self.database = database
        self.index = OfferIndex(index_dir)
        self.rotation_salt = rotation_salt
        self._vocabulary: Vocabulary | None = None
        self._vocabulary_version: tuple | None = None
        self._lock = threading.Lock()

    def vocabulary(self) -> Vocabulary:
        with self.database.session_scope() as session:
            version = (
                session.exec(select(func.count(Category.id))).one(),
                session.exec(select(func.count(Software.id))).one(),
            )
            if self._vocabulary is None or version != self._vocabulary_version:
                categories = list(session.exec(select(Category)).all())
                software = list(session.exec(select(Software)).all())
                with self._lock:
                    self._vocabulary = Vocabulary.from_catalog(categories, software)
                    self._vocabulary_version = version
        return self._vocabulary

    def search(self, params: SearchParams) -> SearchResults:
        """Raises IndexUnavailable when the index is missing or locked."""
        return run_search(self.index, self.vocabulary(), params, self.rotation_salt)

    def reindex_organizations(self, organization_ids: set[int]) -> None:
        """Called after a commit; a missing index is left for `search rebuild` to restore."""
        try:
            with self.database.session_scope() as session:
                self.index.update_organizations(session, organization_ids)
        except IndexUnavailable as exc:
            log.warning("Search index not updated for %s: %s", sorted(organization_ids), exc)

    def ensure_index(self) -> bool:
        """Create an empty index if there is none; True when one was created."""
        if self.index.exists():
            return False
        self.index.create_empty()
        return True

    def rebuild(self, total=None, advance=None) -> int:
        with self.database.session_scope() as session:
            return self.index.rebuild(session, total=total, advance=advance)


def init_app(app: Flask) -> SearchService:
    service = SearchService(
        get_database(app), app.config["PORTEE_INDEX_DIR"], app.config["PORTEE_ROTATION_SALT"]
    )
    sync.install(get_database(app).session_factory, service)
    app.extensions[EXTENSION_KEY] = service
    return service


def get_search() -> SearchService:
    return current_app.extensions[EXTENSION_KEY]

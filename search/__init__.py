"""The derived search index behind a small interface: search, reindex, rebuild.

Every Whoosh call lives in this package, so the engine can change in one place.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from contextlib import contextmanager
from dataclasses import replace

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import func, select

from directory import exposure
from directory.db import Database, get_database
from directory.identity import database_id
from directory.models import Category, Software
from search import changes, sync
from search.documents import offered_count
from search.freshness import Confirmations, read_confirmations
from search.health import Health, read_health
from search.index import (
    COUNT,
    DATABASE,
    EMPTY,
    MISSING,
    UNREADABLE,
    VERSION,
    IndexStale,
    IndexUnavailable,
    OfferIndex,
)
from search.match import MatchRequest, MatchResult, Need, alternatives, match_hosts, pick_offer
from search.query import Fairness, SearchParams, SearchResults, run_search
from search.schema import SCHEMA_VERSION
from search.snapshot import on_snapshot
from search.vocabulary import Vocabulary

__all__ = [
    "IndexRebuilding",
    "IndexUnavailable",
    "SearchParams",
    "SearchResults",
    "SearchService",
    "get_search",
]
log = logging.getLogger(__name__)
EXTENSION_KEY = "portee.search"
DEMOTION_TTL = 60.0
CONFIRMATIONS_TTL = 60.0
HEALTH_TTL = 60.0
BATCH_SIZE = 200
VOCABULARY_TTL = 60.0


class IndexRebuilding(IndexUnavailable):
    """The index is being rebuilt from the database (by this process or another one): pages
    say so instead of showing counts of an index that belongs elsewhere."""


class SearchService:
    """What the rest of Portée knows of search."""

    def __init__(
        self, database: Database, index_dir: str, fairness: Fairness, exposure_cap: float = 0.0
    ) -> None:
        self.database = database
        self.index = OfferIndex(index_dir, expected=self._verdict)
        self.fairness = fairness
        self.exposure_cap = exposure_cap
        self._demoted: tuple[float, frozenset[int]] = (0.0, frozenset())
        self._confirmations: tuple[float, Confirmations | None] = (0.0, None)
        self._health: tuple[float, Health | None] = (0.0, None)
        self._batch: set[int] | None = None
        self._vocabulary_checked: tuple[float, Vocabulary | None] = (0.0, None)
        self._vocabulary_version: tuple | None = None
        self._lock = threading.Lock()
        self._database_id: str | None = None
        self._rebuilder: threading.Thread | None = None

    def vocabulary(self) -> Vocabulary:
        """The catalogue's words, read again when the catalogue changed (checked each minute:
        it changes when `directory init` loads a new catalogue, not between two searches)."""
        checked_at, vocabulary = self._vocabulary_checked
        if vocabulary is not None and time.monotonic() - checked_at < VOCABULARY_TTL:
            return vocabulary
        with self.database.session_scope() as session:
            version = (
                session.exec(select(func.count(Category.id))).one(),
                session.exec(select(func.count(Software.id))).one(),
                session.exec(select(func.max(Software.id))).one(),
            )
            if vocabulary is None or version != self._vocabulary_version:
                categories = list(session.exec(select(Category)).all())
                software = list(session.exec(select(Software)).all())
                vocabulary = Vocabulary.from_catalog(categories, software)
                self._vocabulary_version = version
        self._vocabulary_checked = (time.monotonic(), vocabulary)
        return vocabulary

    def search(self, params: SearchParams) -> SearchResults:
        """Raises IndexUnavailable when the index is missing or locked."""
        vocabulary, fairness = self.vocabulary(), self.current_fairness()
        with self._rebuilding_if_stale():
            return on_snapshot(self.index, lambda s: run_search(s, vocabulary, params, fairness))

    def current_fairness(self) -> Fairness:
        """The fairness settings with this week's over-exposed hosts (recomputed each minute),
        when each host's listing was last confirmed (search/freshness.py) and which services
        the probes last found unreachable (search/health.py)."""
        computed_at, demoted = self._demoted
        if time.monotonic() - computed_at > DEMOTION_TTL:
            demoted = self._over_exposed()
            self._demoted = (time.monotonic(), demoted)
        return replace(
            self.fairness, demoted=demoted, confirmed=self.confirmations(), health=self.health()
        )

    def confirmations(self) -> Confirmations:
        """Read again each minute, or at once after `forget_confirmations()`."""
        read_at, known = self._confirmations
        if known is None or time.monotonic() - read_at > CONFIRMATIONS_TTL:
            with self.database.session_scope() as session:
                known = read_confirmations(session, known)
            self._confirmations = (time.monotonic(), known)
        return known

    def forget_confirmations(self) -> None:
        """A commit of this process changed the day a host's listing was last confirmed."""
        read_at, known = self._confirmations
        self._confirmations = (float("-inf"), known)

    def health(self) -> Health:
        """Read again each minute, or at once after `forget_health()`."""
        read_at, known = self._health
        if known is None or time.monotonic() - read_at > HEALTH_TTL:
            with self.database.session_scope() as session:
                known = read_health(session, known)
            self._health = (time.monotonic(), known)
        return known

    def forget_health(self) -> None:
        """A commit of this process changed the outcome of a service's last check."""
        read_at, known = self._health
        self._health = (float("-inf"), known)

    def _over_exposed(self) -> frozenset[int]:
        if self.exposure_cap <= 0:
            return frozenset()
        try:
            hosts = self.index.organization_count()
        except IndexUnavailable:
            return frozenset()
        with self.database.session_scope() as session:
            return exposure.over_their_share(session, hosts, self.exposure_cap)

    def match(self, request: MatchRequest) -> MatchResult:
        """Raises IndexUnavailable when the index is missing or locked."""
        fairness = self.current_fairness()
        with self._rebuilding_if_stale():
            return match_hosts(self.index, request, fairness)

    def pick(self, need: Need, rng: random.Random | None = None) -> int | None:
        """A service id for "pick one for me", drawn fairly by the exposure ledger."""
        with self.database.session_scope() as session:
            month = exposure.referrals(session, 30)
        clicks = {org: share.clicks for org, share in month.items()}
        fairness = self.current_fairness()
        with self._rebuilding_if_stale():
            return pick_offer(self.index, need, clicks, rng or random.SystemRandom(), fairness)

    def alternatives(self, need: Need, instead_of: int, count: int = 3) -> list[int]:
        """Up to `count` service ids that can stand in for a service: open, reachable offers
        of the need (its software, or a task), in the day's fair order."""
        fairness = self.current_fairness()
        with self._rebuilding_if_stale():
            return alternatives(self.index, need, instead_of, count, fairness)

    def reindex_organizations(self, organization_ids: set[int]) -> None:
        """Called after a commit; a missing index is left for `search rebuild` to restore.

        Inside `batched()`, the organizations are collected and indexed together: one Whoosh
        commit per batch instead of one per organization (an import of thousands of hosts).
        """
        with self._lock:
            if self._batch is not None:
                self._batch.update(organization_ids)
                if len(self._batch) < BATCH_SIZE:
                    return
                organization_ids, self._batch = set(self._batch), set()
        self._write(organization_ids)

    def _write(self, organization_ids: set[int]) -> None:
        if not organization_ids:
            return
        try:
            with self.database.session_scope() as session:
                self.index.update_organizations(session, organization_ids)
        except IndexUnavailable as exc:
            log.warning("Search index not updated for %s: %s", sorted(organization_ids), exc)

    @contextmanager
    def batched(self):
        """Index what commits change in batches until the block ends (then the rest)."""
        with self._lock:
            outermost = self._batch is None
            if outermost:
                self._batch = set()
        try:
            yield
        finally:
            if outermost:
                with self._lock:
                    rest, self._batch = self._batch, None
                self._write(rest)

    # -- the change table (search/changes.py, search/follow.py) -----------------------------
    def latest_change(self) -> int:
        """The newest id of the change table: a rebuild records it before it reads."""
        with self.database.session_scope() as session:
            return changes.latest(session)

    def apply_changes(self, organization_ids: set[int], mark: int) -> None:
        """Re-index these organizations, then record `mark` in the build they went to."""
        with self.database.session_scope() as session:
            self.index.update_organizations(session, organization_ids, mark)

    # -- the index and the database it belongs to --------------------------------------------
    def database_id(self) -> str:
        """This database's id (directory/identity.py), read once per process."""
        if self._database_id is None:
            with self.database.session_scope() as session:
                self._database_id = database_id(session)
        return self._database_id

    def _verdict(self, identity: dict | None, offers: int | None) -> str | None:
        """Why a build this process opens must be rebuilt, or None (OfferIndex's
        `expected`). Asked once per build and process: the query path stays one stat()."""
        try:
            if identity is None or identity.get("schema") != SCHEMA_VERSION:
                return VERSION
            if identity.get("database") != self.database_id():
                return DATABASE
            if offers == 0 and self._batch is None:
                # (a batch of this process holds back what it indexes, on purpose)
                with self.database.session_scope() as session:
                    if offered_count(session) > 0:
                        return EMPTY
        except SQLAlchemyError as exc:
            raise IndexUnavailable(f"the database cannot be read: {exc}") from exc
        return None

    def stale_reason(self, exact: bool = False) -> str | None:
        """Why the index in use must be rebuilt, or None: the verdict a process gives a build
        when it opens it. `exact` also compares the number of offers with the database's
        (`directory init`: a count of every offer, not for the site)."""
        identity = self.index.identity()
        if identity is None:
            return MISSING if not self.index.exists() else VERSION
        try:
            offers = self.index.document_count()
        except IndexUnavailable:
            return UNREADABLE
        reason = self._verdict(identity, offers)
        if reason is None and exact:
            with self.database.session_scope() as session:
                if offered_count(session) != offers:
                    return COUNT
        return reason

    @contextmanager
    def _rebuilding_if_stale(self):
        """An index that must be rebuilt is rebuilt in the background (unless a rebuild is
        running already, here or in another process); meanwhile IndexRebuilding is raised."""
        try:
            yield
        except IndexStale as exc:
            self.rebuild_in_background()
            raise IndexRebuilding(str(exc)) from exc

    def rebuild_in_background(self) -> None:
        with self._lock:
            if self._rebuilder is not None and self._rebuilder.is_alive():
                return
            if self.index.folder.rebuild_running():
                return
            log.warning("Search index must be rebuilt; rebuilding it in the background")
            self._rebuilder = threading.Thread(
                target=self._rebuild_if_stale, name="portee-index-rebuild", daemon=True
            )
            self._rebuilder.start()

    def _rebuild_if_stale(self) -> None:
        try:
            count = self.index.rebuild(
                self.database.session_scope,
                self.database_id(),
                wait=False,
                needed=self.stale_reason,
                mark=self.latest_change,
            )
        except Exception:
            log.exception("Search index rebuild failed")
            return
        if count is not None:
            log.warning("Search index rebuilt: %d offers", count)

    def ensure_index(self, total=None, advance=None) -> tuple[str | None, int | None]:
        """What `directory init` does for the index: rebuild it if it is missing, was built by
        another version or from another database, or holds another number of offers than the
        database. Returns (why it was rebuilt, offers indexed), or (None, None) if it was
        right (asked again once a rebuild running elsewhere has ended)."""
        reason: dict = {}

        def needed() -> str | None:
            reason["why"] = self.stale_reason(exact=True)
            return reason["why"]

        count = self.index.rebuild(
            self.database.session_scope,
            self.database_id(),
            total=total,
            advance=advance,
            needed=needed,
            mark=self.latest_change,
        )
        return (reason["why"], count) if count is not None else (None, None)

    def rebuild(self, total=None, advance=None) -> int:
        """Rebuild the index from the database (waits for a rebuild running elsewhere)."""
        return self.index.rebuild(
            self.database.session_scope,
            self.database_id(),
            total=total,
            advance=advance,
            mark=self.latest_change,
        )


def init_app(app: Flask) -> SearchService:
    fairness = Fairness(
        salt=app.config["PORTEE_ROTATION_SALT"],
        stale_after_days=app.config["PORTEE_STALE_AFTER_DAYS"],
        hidden_after_days=app.config["PORTEE_HIDE_STALE_AFTER_DAYS"],
    )
    service = SearchService(
        get_database(app),
        app.config["PORTEE_INDEX_DIR"],
        fairness,
        exposure_cap=app.config["PORTEE_EXPOSURE_CAP"],
    )
    sync.install(get_database(app).session_factory, service)
    app.extensions[EXTENSION_KEY] = service
    if app.config.get("PORTEE_WARM_INDEX"):
        warm(app)
    return service


def warm(app: Flask) -> None:
    """Read the index snapshot, the catalogue's words and the fairness data now (a web worker
    starting: gunicorn's post_worker_init, or PORTEE_WARM_INDEX), so that the first visitor
    waits no longer than the next. A missing index or database is only logged: the worker
    starts anyway, and its pages say what is missing."""
    started = time.perf_counter()
    with app.app_context():
        try:
            app.extensions[EXTENSION_KEY].search(SearchParams(per_page=1))
        except (IndexUnavailable, SQLAlchemyError) as exc:
            log.warning("The search index could not be read at start: %s", exc)
            return
    log.info("Search index read in %.2f s", time.perf_counter() - started)


def get_search() -> SearchService:
    return current_app.extensions[EXTENSION_KEY]

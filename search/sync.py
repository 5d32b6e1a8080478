"""Keep the index in step with the database through session events (as Warehouse does).

`after_flush` collects the organizations whose listing changed in `session.info`;
`before_commit` writes them to the change table in the same transaction (search/changes.py:
every node's follower reads it); `after_commit` re-indexes them in this node's index at once.
Every path that commits a change is caught, and a rollback indexes nothing. `directory/` never
imports this module: app.py installs it.
"""

from __future__ import annotations

import logging

from sqlalchemy import event, inspect
from sqlalchemy.orm import sessionmaker

from directory.feeds.ledger import SOURCES_WRITTEN
from directory.models import Organization, ProbeState, Service
from search import changes

log = logging.getLogger(__name__)
PENDING = "portee_search_pending"
CONFIRMED = "portee_search_confirmed_changed"
HEALTH = "portee_search_health_changed"


def _changed_organizations(session) -> set[int]:
    found = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Organization) and obj.id is not None:
            found.add(obj.id)
        elif isinstance(obj, Service) and obj.organization_id is not None:
            found.add(obj.organization_id)
            # A service moved to another organization leaves the first one too.
            found.update(i for i in inspect(obj).attrs.organization_id.history.deleted if i)
    return found


def _confirmed_day_changed(session) -> bool:
    """Staleness is read at query time (search/freshness.py), not indexed: a new day of a
    listing's confirmation only makes search read that map again."""
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Organization):
            return True
    for obj in session.dirty:
        if isinstance(obj, Organization):
            history = inspect(obj).attrs.confirmed_at.history
            before = {d.date() for d in history.deleted if d is not None}
            after = {d.date() for d in history.added if d is not None}
            if after and before != after:
                return True
    return False


def _health_changed(session) -> bool:
    """Health is read at query time (search/health.py): a service's last check that now fails,
    or succeeds again, only makes search read that set again."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ProbeState):
            history = inspect(obj).attrs.last_outcome.history
            if obj in session.new or obj in session.deleted or history.has_changes():
                return True
    return False


def install(session_factory: sessionmaker, service) -> None:
    """Wire the index `service` (a search.SearchService) to every session of the factory."""

    @event.listens_for(session_factory, "after_flush")
    def collect(session, _context):
        session.info.setdefault(PENDING, set()).update(_changed_organizations(session))
        if _confirmed_day_changed(session):
            session.info[CONFIRMED] = True
        if _health_changed(session):
            session.info[HEALTH] = True

    @event.listens_for(session_factory, "before_commit")
    def record(session):
        if session.in_nested_transaction():  # a savepoint: the outer commit records
            return
        # The commit flushes after this event: flush first so that every change is collected.
        if session.new or session.dirty or session.deleted:
            session.flush()
        pending = session.info.get(PENDING)
        if pending:
            changes.record(session, pending)

    @event.listens_for(session_factory, "after_commit")
    def index(session):
        pending = session.info.pop(PENDING, set())
        if session.info.pop(CONFIRMED, False) | session.info.pop(SOURCES_WRITTEN, False):
            service.forget_confirmations()
        if session.info.pop(HEALTH, False):
            service.forget_health()
        if pending:
            service.reindex_organizations(pending)

    @event.listens_for(session_factory, "after_soft_rollback")
    def forget(session, _previous):
        session.info.pop(PENDING, None)
        session.info.pop(CONFIRMED, None)
        session.info.pop(HEALTH, None)
        session.info.pop(SOURCES_WRITTEN, None)

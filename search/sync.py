"""Keep the index in step with the database through session events (as Warehouse does).

`after_flush` collects the organizations whose listing changed in `session.info`;
`after_commit` re-indexes them. Every path that commits a change is caught, and a rollback
indexes nothing. `directory/` never imports this module: app.py installs it.
"""

from __future__ import annotations

import logging

from sqlalchemy import event, inspect
from sqlalchemy.orm import sessionmaker

from directory.models import Organization, Service, Source

log = logging.getLogger(__name__)
PENDING = "portee_search_pending"


def _changed_organizations(session) -> set[int]:
    found = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Organization) and obj.id is not None:
            found.add(obj.id)
        elif (
            isinstance(obj, Service) or (isinstance(obj, Source) and _confirmed_day_changed(obj))
        ) and obj.organization_id is not None:
            found.add(obj.organization_id)
    return found


def _confirmed_day_changed(source: Source) -> bool:
    """The index keeps the day a host's file was last read well (for staleness): re-index
    when that day changes, not on every fetch."""
    if source.kind != "organization":
        return False
    history = inspect(source).attrs.last_success_at.history
    if not history.has_changes():
        return False
    before = {d.date() for d in history.deleted if d is not None}
    after = {d.date() for d in history.added if d is not None}
    return before != after


def install(session_factory: sessionmaker, service) -> None:
    """Wire the index `service` (a search.SearchService) to every session of the factory."""

    @event.listens_for(session_factory, "after_flush")
    def collect(session, _context):
        session.info.setdefault(PENDING, set()).update(_changed_organizations(session))

    @event.listens_for(session_factory, "after_commit")
    def index(session):
        pending = session.info.pop(PENDING, set())
        if pending:
            service.reindex_organizations(pending)

    @event.listens_for(session_factory, "after_soft_rollback")
    def forget(session, _previous):
        session.info.pop(PENDING, None)

"""The follower: keeps one node's index in step with the change table (`flask search follow`).

Each node (each index folder) runs one follower process. It re-indexes the organizations the
change table names past the mark of the build in use, then records the new mark in that build
and in `index_node`, so that rows every node has passed can be pruned. A node whose index is
missing, foreign, unmarked, or whose mark the table was pruned past, rebuilds it from the
database first (the build records the table's newest id before it reads) and follows from there.

On PostgreSQL it sleeps on `LISTEN portee_index` (each recording commit notifies), waking at
once; elsewhere, and whenever the listening connection fails, it polls. One process, not a
thread in each web worker: Whoosh takes one writer at a time, so several followers of one index
would queue behind each other to write the same organizations. Web workers see what the
follower wrote through their snapshot's check of the build (search/index.py).
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from directory.timeutil import utcnow
from search import IndexUnavailable, SearchService, changes

log = logging.getLogger(__name__)
BATCH = 2000  # changes read at a time
HEARTBEAT_SECONDS = 30.0  # how often an idle node tells it is alive
PRUNE_SECONDS = 60.0

# Why a follower rebuilds besides the index's own reasons (search/index.py).
UNMARKED = "unmarked"  # the build does not say how far it has applied the table
BEHIND = "behind"  # the table was pruned past its mark (a node forgotten, an old build)


def default_node_name(index_dir: str) -> str:
    """This machine and its index folder: two nodes on one machine keep their own marks."""
    return f"{socket.gethostname()}:{index_dir}"


@dataclass(frozen=True)
class Pass:
    """What one pass of the follower did."""

    mark: int
    applied: int  # organizations re-indexed
    rebuilt: str | None = None  # why the index was rebuilt first
    pruned: int = 0


@dataclass(frozen=True)
class Lag:
    """How far this node's index is behind the change table (for /healthz)."""

    latest: int
    mark: int | None
    changes: int | None
    seconds: float | None


class Follower:
    def __init__(self, service: SearchService, name: str) -> None:
        self.service = service
        self.name = name
        self._checked = False  # the index's own verdict, asked at the first pass
        self._registered: tuple[float, int | None] = (-math.inf, None)
        self._pruned_at = -math.inf

    def step(self) -> Pass:
        """One pass: rebuild if needed, apply what is past the mark, register, prune."""
        reason = None if self._checked else self.service.stale_reason()
        mark = self.service.index.mark()
        if reason is None:
            if mark is None:
                reason = UNMARKED
            else:
                with self.service.database.session_scope() as session:
                    if not changes.can_follow(session, mark):
                        reason = BEHIND
        if reason is not None:
            log.warning("Rebuilding the index of node %s (%s)", self.name, reason)
            self.service.rebuild()
            mark = self.service.index.mark() or 0
        self._checked = True
        applied = 0
        while True:
            with self.service.database.session_scope() as session:
                reached, organization_ids = changes.after(session, mark, BATCH)
            if reached == mark:
                break
            self.service.apply_changes(organization_ids, reached)
            applied += len(organization_ids)
            mark = reached
        return Pass(mark, applied, reason, self._keep_books(mark))

    def _keep_books(self, mark: int) -> int:
        """Register the mark (when it moved, or as a heartbeat), and prune now and then."""
        now = time.monotonic()
        registered_at, registered = self._registered
        pruned = 0
        if registered != mark or now - registered_at > HEARTBEAT_SECONDS:
            with self.service.database.session_scope() as session:
                changes.register(session, self.name, mark)
                session.commit()
            self._registered = (now, mark)
        if now - self._pruned_at > PRUNE_SECONDS:
            with self.service.database.session_scope() as session:
                pruned = changes.prune(session)
                session.commit()
            self._pruned_at = now
        return pruned

    def run(self, stop: threading.Event, poll: float = 1.0, report=None) -> None:
        """Follow until `stop` is set; `report(Pass)` hears of each pass that did something."""
        waker = Waker(self.service.database.url, poll)
        waker.listen()
        try:
            while not stop.is_set():
                try:
                    done = self.step()
                except IndexUnavailable as exc:  # locked by a writer of this node, for one
                    log.warning("Index follower pass put off: %s", exc)
                    self._checked = False
                    stop.wait(poll)
                    continue
                except Exception:  # the database is away: try again soon
                    log.exception("Index follower pass failed; trying again")
                    self._checked = False
                    stop.wait(poll)
                    continue
                if report is not None and (done.applied or done.rebuilt or done.pruned):
                    report(done)
                waker.wait(stop)
        finally:
            waker.close()


def lag(service: SearchService, now: datetime | None = None) -> Lag:
    """The change table's newest id, this node's mark, and how long the oldest change it has
    not applied has waited. Raises SQLAlchemyError when the database does not answer."""
    mark = service.index.mark()
    with service.database.session_scope() as session:
        latest = changes.latest(session)
        since = changes.waiting_since(session, mark) if mark is not None else None
    if mark is None:
        return Lag(latest, None, None, None)
    seconds = 0.0 if since is None else max(0.0, ((now or utcnow()) - since).total_seconds())
    return Lag(latest, mark, max(0, latest - mark), round(seconds, 3))


class Waker:
    """Waits for the next commit's notification (PostgreSQL LISTEN), `poll` seconds at most."""

    def __init__(self, url: str, poll: float) -> None:
        self.poll = poll
        self.conninfo = None
        if url.startswith("postgresql"):
            parsed = sa.make_url(url).set(drivername="postgresql")
            self.conninfo = parsed.render_as_string(hide_password=False)
        self._connection = None

    def listen(self) -> bool:
        """Start listening (before a pass reads the table, so that no commit is missed);
        False when polling."""
        if self.conninfo is None:
            return False
        if self._connection is None:
            import psycopg

            try:
                self._connection = psycopg.connect(self.conninfo, autocommit=True)
                self._connection.execute(f"LISTEN {changes.NOTIFY_CHANNEL}")
            except psycopg.Error as exc:
                log.warning("Not listening for index changes (%s); polling", exc)
                self.close()
                return False
        return True

    def wait(self, stop: threading.Event) -> bool:
        """True when a notification came (False: the time ran out, or polling)."""
        if not self.listen():
            stop.wait(self.poll)
            return False
        import psycopg

        try:
            for _notification in self._connection.notifies(timeout=self.poll, stop_after=1):
                return True
            return False
        except psycopg.Error as exc:
            log.warning("Not listening for index changes (%s); polling", exc)
            self.close()
            stop.wait(self.poll)
            return False

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def health(service: SearchService) -> tuple[bool, dict]:
    """What /healthz answers: healthy when the database answers and the index is present;
    with the index's lag behind the change table."""
    try:
        behind = lag(service)
    except SQLAlchemyError:
        behind = None
    present = service.index.exists()
    healthy = behind is not None and present
    report = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if behind is not None else "unreachable",
        "index": "present" if present else "missing",
    }
    if behind is not None:
        report["lag"] = {
            "changes": behind.changes,
            "seconds": behind.seconds,
            "mark": behind.mark,
            "latest": behind.latest,
        }
    return healthy, report

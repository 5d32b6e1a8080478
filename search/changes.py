"""The change table: which organizations each commit changed, for every node's index.

A commit that changes listings writes one `index_change` row per organization it touched, in
its own transaction (search/sync.py), so a change is recorded if and only if it is committed.
Each node's follower (search/follow.py) re-indexes what lies past its mark.

The follower moves its mark to the newest id it has read, so an id must never become visible
after a greater one. On PostgreSQL a sequence hands ids out in the order transactions ask,
not in the order they commit: each writer therefore takes one advisory lock, held until its
commit ends, just before it writes its rows (held for the length of one insert and a commit).
On SQLite one writer at a time is the rule already.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from directory.models import IndexChange, IndexNode
from directory.timeutil import utcnow

NOTIFY_CHANNEL = "portee_index"
ORDER_LOCK = 0x706F72746565  # "portee": the advisory lock that orders writers' commits
FORGET_NODES_AFTER = timedelta(days=7)
# Not a node: the row of `index_node` whose mark says up to which id the table was pruned.
PRUNED = "(pruned)"

_changes = IndexChange.__table__
_nodes = IndexNode.__table__


def record(session: Session, organization_ids: Iterable[int]) -> None:
    """Note the organizations in the session's transaction (called just before its commit)."""
    ids = sorted(set(organization_ids))
    if not ids:
        return
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ORDER_LOCK})
    now = utcnow()
    connection.execute(insert(_changes), [{"organization_id": i, "changed_at": now} for i in ids])
    if postgres:  # delivered to the listening followers when the transaction commits
        connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


def latest(session: Session) -> int:
    """The newest id of the change table (0 when nothing was ever recorded)."""
    return session.execute(select(func.max(_changes.c.id))).scalar() or 0


def after(session: Session, mark: int, limit: int) -> tuple[int, set[int]]:
    """Up to `limit` changes past `mark`: the mark they lead to and their organizations."""
    rows = session.execute(
        select(_changes.c.id, _changes.c.organization_id)
        .where(_changes.c.id > mark)
        .order_by(_changes.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return mark, set()
    return rows[-1][0], {organization_id for _id, organization_id in rows}


def waiting_since(session: Session, mark: int) -> datetime | None:
    """When the oldest change past `mark` was committed (None when there is none)."""
    return session.execute(
        select(func.min(_changes.c.changed_at)).where(_changes.c.id > mark)
    ).scalar()


def can_follow(session: Session, mark: int) -> bool:
    """Whether every change past `mark` is still in the table.

    An older mark than what was pruned (a node forgotten, a build restored from long ago) may
    have missed pruned rows, and a mark beyond the newest id belongs to a database restored
    from before it: the index must then be rebuilt.
    """
    pruned = session.execute(select(_nodes.c.mark).where(_nodes.c.name == PRUNED)).scalar()
    return (pruned or 0) <= mark <= latest(session)


def register(session: Session, name: str, mark: int, now: datetime | None = None) -> None:
    """Note how far node `name` has applied the table (the caller commits)."""
    values = {"name": name, "mark": mark, "seen_at": now or utcnow()}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_nodes).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[_nodes.c.name], set_={"mark": mark, "seen_at": values["seen_at"]}
    )
    session.execute(statement)


def prune(session: Session, now: datetime | None = None) -> int:
    """Forget the nodes not seen for a week, then delete the changes every node left has
    passed (all of them when no node follows) and note how far (see can_follow). Returns how
    many rows were deleted; the caller commits."""
    now = now or utcnow()
    nodes = _nodes.c.name != PRUNED
    session.execute(delete(_nodes).where(nodes, _nodes.c.seen_at < now - FORGET_NODES_AFTER))
    horizon = session.execute(select(func.min(_nodes.c.mark)).where(nodes)).scalar()
    if horizon is None:
        horizon = latest(session)
    # The newest row stays: marks are compared with the table's newest id.
    horizon = min(horizon, latest(session) - 1)
    pruned = session.execute(select(_nodes.c.mark).where(_nodes.c.name == PRUNED)).scalar() or 0
    if horizon <= pruned:
        return 0
    deleted = session.execute(delete(_changes).where(_changes.c.id <= horizon)).rowcount
    register(session, PRUNED, horizon, now)
    return deleted

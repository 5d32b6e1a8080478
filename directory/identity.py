"""The identity of this database: a random id stored in it once (migration 0009).

The search index records the id of the database it was built from (search/index.py); a
different id means the index belongs to another world and must be rebuilt.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from directory.models import DatabaseIdentity

ROW = 1


def database_id(session: Session) -> str:
    """The database's id. A database whose tables were made without the migrations gets one
    here, once (two processes racing to write it keep the first)."""
    row = session.get(DatabaseIdentity, ROW)
    if row is not None:
        return row.uuid
    try:
        session.add(DatabaseIdentity(id=ROW, uuid=str(uuid.uuid4())))
        session.commit()
    except IntegrityError:
        session.rollback()
    session.expire_all()
    return session.get(DatabaseIdentity, ROW).uuid

"""database identity: one row holding a random id, recorded by the search index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    identity = op.create_table(
        "database_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Each database gets its own id when it reaches this revision: a new database, or an
    # existing one upgraded (its index, built before, has no id and is rebuilt once).
    op.bulk_insert(
        identity, [{"id": 1, "uuid": str(uuid.uuid4()), "created_at": datetime.now(UTC)}]
    )


def downgrade() -> None:
    op.drop_table("database_identity")

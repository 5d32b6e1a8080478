"""outages: why each ended (back, or no longer checked)

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("probeoutage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ended_because", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
    # Until now an outage ended only when its service answered again.
    op.execute("UPDATE probeoutage SET ended_because = 'back' WHERE ended_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("probeoutage", schema=None) as batch_op:
        batch_op.drop_column("ended_because")

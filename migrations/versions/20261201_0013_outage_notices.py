"""outage notices: each outage of a service and the e-mails sent about it; when a domain proof
was last confirmed and since when it no longer verifies

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "probeoutage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("down_notified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("back_notified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("probeoutage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_probeoutage_ended_at"), ["ended_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_probeoutage_service_id"), ["service_id"], unique=False
        )
    with op.batch_alter_table("domainclaim", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("failing_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    # A claim proved before this revision was at least confirmed when it was proved.
    op.execute("UPDATE domainclaim SET confirmed_at = verified_at WHERE verified_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("domainclaim", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
        batch_op.drop_column("confirmed_at")
    with op.batch_alter_table("probeoutage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_probeoutage_service_id"))
        batch_op.drop_index(batch_op.f("ix_probeoutage_ended_at"))
    op.drop_table("probeoutage")

"""probes: each service's probe state, its recent checks, and hourly buckets of older ones

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "probestate",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("next_check_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column(
            "observed_software", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
        ),
        sa.Column(
            "observed_version", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
        ),
        sa.Column("certificate_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id"),
    )
    with op.batch_alter_table("probestate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_probestate_next_check_at"), ["next_check_at"], unique=False
        )

    op.create_table(
        "probecheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("probecheck", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_probecheck_checked_at"), ["checked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_probecheck_service_id"), ["service_id"], unique=False)

    op.create_table(
        "probehour",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("hour", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("latency_ms_total", sa.Integer(), nullable=False),
        sa.Column("latency_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "hour"),
    )


def downgrade() -> None:
    op.drop_table("probehour")
    with op.batch_alter_table("probecheck", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_probecheck_service_id"))
        batch_op.drop_index(batch_op.f("ix_probecheck_checked_at"))
    op.drop_table("probecheck")
    with op.batch_alter_table("probestate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_probestate_next_check_at"))
    op.drop_table("probestate")

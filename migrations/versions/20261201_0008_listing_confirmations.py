"""organization.confirmed_at (staleness counts from it), source.failing_since

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
_TIME = sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failing_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )

    organization = sa.table(
        "organization", sa.column("id", sa.Integer), sa.column("confirmed_at", _TIME)
    )
    source = sa.table(
        "source",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("organization_id", sa.Integer),
        sa.column("last_attempt_at", _TIME),
        sa.column("last_success_at", _TIME),
        sa.column("consecutive_failures", sa.Integer),
        sa.column("failing_since", _TIME),
    )
    result = sa.table(
        "importresult",
        sa.column("run_id", sa.Integer),
        sa.column("source_id", sa.Integer),
        sa.column("outcome", sa.String),
    )
    run = sa.table("importrun", sa.column("id", sa.Integer), sa.column("started_at", _TIME))
    connection = op.get_bind()
    # A listing was last confirmed by the last good read of one of its files (news feeds say
    # nothing of the listing). One with none (no file, or a file never read well) starts
    # counting today: until now a file waiting for its first read wrongly hid its host, and a
    # host without a file could not go stale.
    last_read = (
        sa.select(sa.func.max(source.c.last_success_at))
        .where(source.c.organization_id == organization.c.id, source.c.kind != "news")
        .scalar_subquery()
    )
    now = sa.literal(datetime.now(UTC), _TIME)
    connection.execute(organization.update().values(confirmed_at=sa.func.coalesce(last_read, now)))
    # A failing file has failed since the first failed read after its last good one (the
    # run history says when); without that history, since its last attempt.
    first_failure = (
        sa.select(sa.func.min(run.c.started_at))
        .select_from(result.join(run, run.c.id == result.c.run_id))
        .where(
            result.c.source_id == source.c.id,
            result.c.outcome.in_(("failed", "held")),
            sa.or_(source.c.last_success_at.is_(None), run.c.started_at > source.c.last_success_at),
        )
        .scalar_subquery()
    )
    connection.execute(
        source.update()
        .where(source.c.consecutive_failures > 0)
        .values(failing_since=sa.func.coalesce(first_failure, source.c.last_attempt_at))
    )

    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.alter_column(
            "confirmed_at", existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")

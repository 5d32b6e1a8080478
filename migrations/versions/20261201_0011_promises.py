"""promise keys, funding and server type (the trust card's declared facts)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("funding", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("admins_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("backups_tested", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closure_notice_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "host_server_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
            )
        )
        batch_op.add_column(sa.Column("capacity_participants", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("capacity_participants")
        batch_op.drop_column("host_server_type")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("closure_notice_days")
        batch_op.drop_column("backups_tested")
        batch_op.drop_column("admins_count")
        batch_op.drop_column("funding")

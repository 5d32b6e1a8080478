"""account sessions kept on the server (signing out ends them)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accountsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("accountsession", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accountsession_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_accountsession_token_hash"), ["token_hash"], unique=True
        )

    # The account-wide token the sessions were bound to goes: every session open before this
    # upgrade ends, and people sign in again.
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_session_token"))
        batch_op.drop_column("session_token")


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    account = sa.table("account", sa.column("id", sa.Integer), sa.column("session_token"))
    connection = op.get_bind()
    for (id_,) in connection.execute(sa.select(account.c.id)).all():
        connection.execute(
            account.update()
            .where(account.c.id == id_)
            .values(session_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column(
            "session_token",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
        )
        batch_op.create_index(
            batch_op.f("ix_account_session_token"), ["session_token"], unique=True
        )

    with op.batch_alter_table("accountsession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accountsession_token_hash"))
        batch_op.drop_index(batch_op.f("ix_accountsession_account_id"))
    op.drop_table("accountsession")

"""organization website domain, source parent index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _domain(url: str | None) -> str | None:
    # A copy of directory.models.website_domain as it is at this revision: a migration must
    # give the same result whatever the code becomes later.
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    return host.removeprefix("www.")[:253] or None


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "website_domain", sqlmodel.sql.sqltypes.AutoString(length=253), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_organization_website_domain"), ["website_domain"], unique=False
        )

    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_parent_id"), ["parent_id"], unique=False)

    # Back-fill the organizations written before the column existed.
    organization = sa.table(
        "organization",
        sa.column("id", sa.Integer),
        sa.column("website", sa.String),
        sa.column("website_domain", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(organization.c.id, organization.c.website).where(
            organization.c.website.is_not(None)
        )
    ).all()
    updates = [{"key": id_, "domain": _domain(website)} for id_, website in rows]
    updates = [row for row in updates if row["domain"] is not None]
    if updates:
        connection.execute(
            organization.update()
            .where(organization.c.id == sa.bindparam("key"))
            .values(website_domain=sa.bindparam("domain")),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_parent_id"))

    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_website_domain"))
        batch_op.drop_column("website_domain")

"""organization region: the region the map's list groups each host by; postal codes read

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("location_region", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )
    # Place the hosts already listed again: their region, and those whose address gives only a
    # postal code (later writes keep it in step: directory/geo.py).
    from directory.geo import locate

    connection = op.get_bind()
    organization = sa.table(
        "organization",
        sa.column("id", sa.Integer),
        sa.column("latitude", sa.Float),
        sa.column("longitude", sa.Float),
        sa.column("address", sa.String),
        sa.column("country_code", sa.String),
        sa.column("location_latitude", sa.Float),
        sa.column("location_longitude", sa.Float),
        sa.column("location_precision", sa.String),
        sa.column("location_name", sa.String),
        sa.column("location_region", sa.String),
    )
    rows = connection.execute(
        sa.select(
            organization.c.id,
            organization.c.latitude,
            organization.c.longitude,
            organization.c.address,
            organization.c.country_code,
        )
    ).all()
    for row in rows:
        found = locate(row.latitude, row.longitude, row.address, row.country_code)
        connection.execute(
            organization.update()
            .where(organization.c.id == row.id)
            .values(
                location_latitude=found.latitude if found else None,
                location_longitude=found.longitude if found else None,
                location_precision=found.precision if found else None,
                location_name=found.name if found else None,
                location_region=found.region if found else None,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("location_region")

"""organization location: where Portée places each host (point, city or country)

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location_latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("location_longitude", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "location_precision", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("location_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    # Place the hosts already listed (later writes keep it in step: directory/geo.py).
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
        if found is not None:
            connection.execute(
                organization.update()
                .where(organization.c.id == row.id)
                .values(
                    location_latitude=found.latitude,
                    location_longitude=found.longitude,
                    location_precision=found.precision,
                    location_name=found.name,
                )
            )


def downgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("location_name")
        batch_op.drop_column("location_precision")
        batch_op.drop_column("location_longitude")
        batch_op.drop_column("location_latitude")

"""ratings: certificate serials drawn from 8 lanes per body and year

Revision ID: ratings_0003
Revises: ratings_0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "ratings_0003"
down_revision = "ratings_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing counters were lane 0 (serials 1..12,500,000 of the year).
    op.execute(
        """
        ALTER TABLE ratings.certificate_serial ADD COLUMN lane smallint NOT NULL DEFAULT 0;
        ALTER TABLE ratings.certificate_serial DROP CONSTRAINT certificate_serial_pkey;
        ALTER TABLE ratings.certificate_serial ADD PRIMARY KEY (body_no, year, lane);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DELETE FROM ratings.certificate_serial WHERE lane <> 0;
        ALTER TABLE ratings.certificate_serial DROP CONSTRAINT certificate_serial_pkey;
        ALTER TABLE ratings.certificate_serial DROP COLUMN lane;
        ALTER TABLE ratings.certificate_serial ADD PRIMARY KEY (body_no, year);
        """
    )

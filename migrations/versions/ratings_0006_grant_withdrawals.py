"""ratings: competition grants withdrawn by result revisions

`grant_outcome` keeps the key of every grant handled, so it also holds its withdrawal: when the
grant was issued (or refused) first, `withdrawn_at` and the reason are set and the certificate
is revoked; when the withdrawal arrives first, the row is written with outcome `withdrawn`, and
the grant, arriving later, finds its key taken and issues nothing. Both paths insert or update
the one row under its primary key, so a grant and its withdrawal applied side by side by two
workers still meet there.

Revision ID: ratings_0006
Revises: ratings_0005
Create Date: 2026-11-30
"""

from alembic import op

revision = "ratings_0006"
down_revision = "ratings_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE ratings.grant_outcome
            DROP CONSTRAINT grant_outcome_outcome_check,
            ADD CONSTRAINT grant_outcome_outcome_check
                CHECK (outcome IN ('passed', 'refused', 'withdrawn')),
            ADD COLUMN withdrawn_at      timestamptz,
            ADD COLUMN withdrawal_reason text,
            ADD CHECK ((withdrawn_at IS NULL) = (withdrawal_reason IS NULL)),
            ADD CHECK (outcome <> 'withdrawn' OR withdrawn_at IS NOT NULL);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DELETE FROM ratings.grant_outcome WHERE outcome = 'withdrawn';
        ALTER TABLE ratings.grant_outcome
            DROP COLUMN withdrawal_reason,
            DROP COLUMN withdrawn_at,
            DROP CONSTRAINT grant_outcome_outcome_check,
            ADD CONSTRAINT grant_outcome_outcome_check
                CHECK (outcome IN ('passed', 'refused'));
        """
    )

"""competitions: the certificate each grant was issued as, shown on the competitor's page

`rating_grant.person_id` names the competitor (the organiser's id) the grant is for, so the
competitor's history can show it; `certificate_no` is filled from the ratings context's
`certificate.issued` event (which names its grant); `revoked_certificate` holds every
certificate the ratings context revoked, whichever event arrives first.

Revision ID: competitions_0008
Revises: competitions_0007
Create Date: 2026-12-01
"""

from alembic import op

revision = "competitions_0008"
down_revision = "competitions_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE competitions.rating_grant
            ADD COLUMN person_id      text COLLATE "C",
            ADD COLUMN certificate_no text;
        CREATE INDEX rating_grant_competitor ON competitions.rating_grant
            (person_id, competition, skill) WHERE person_id IS NOT NULL;
        CREATE TABLE competitions.revoked_certificate (
            number     text PRIMARY KEY,
            revoked_at timestamptz NOT NULL
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE competitions.revoked_certificate;
        DROP INDEX competitions.rating_grant_competitor;
        ALTER TABLE competitions.rating_grant DROP COLUMN certificate_no, DROP COLUMN person_id;
        """
    )

"""competitions: grants withdrawn by result revisions, and versions of a person's grants

A result revision that takes a medal away (or makes it earn another level or occupation)
withdraws the grant it earned. A person may then earn a grant in the same skill again, so a
grant is now one version of (competition, skill, person): `person` is the grant-id digest of
the national ID, `version` counts from 1 (the existing grants). At most one version is live.

Revision ID: competitions_0003
Revises: competitions_0002
Create Date: 2026-11-30
"""

from alembic import op

revision = "competitions_0003"
down_revision = "competitions_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE competitions.rating_grant
            ADD COLUMN person             text,
            ADD COLUMN version            integer NOT NULL DEFAULT 1 CHECK (version >= 1),
            ADD COLUMN withdrawn_at       timestamptz,
            ADD COLUMN withdrawn_revision integer,
            ADD COLUMN withdrawal_reason  text,
            ADD CHECK ((withdrawn_at IS NULL) = (withdrawal_reason IS NULL));
        -- Grant ids so far are "<competition>:<skill>:<person>".
        UPDATE competitions.rating_grant SET person = substring(grant_id FROM '[^:]+$');
        ALTER TABLE competitions.rating_grant ALTER COLUMN person SET NOT NULL;
        ALTER TABLE competitions.rating_grant ALTER COLUMN version DROP DEFAULT;
        CREATE UNIQUE INDEX rating_grant_live ON competitions.rating_grant
            (competition, skill, person) WHERE withdrawn_at IS NULL;
        CREATE INDEX rating_grant_skill ON competitions.rating_grant (competition, skill);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX competitions.rating_grant_skill;
        DROP INDEX competitions.rating_grant_live;
        ALTER TABLE competitions.rating_grant
            DROP COLUMN withdrawal_reason,
            DROP COLUMN withdrawn_revision,
            DROP COLUMN withdrawn_at,
            DROP COLUMN version,
            DROP COLUMN person;
        """
    )

"""competitions: partial editions, Chinese competition names, results without marks, published
tallies

Earlier editions are loaded as *partial* competitions holding only the honours their sources
publish, often without a mark; a member's history can hold a published tally (totals over a
period with their source) kept apart from the totals computed from results.

Revision ID: competitions_0007
Revises: competitions_0006
Create Date: 2026-11-30
"""

from alembic import op

revision = "competitions_0007"
down_revision = "competitions_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE competitions.competition
            ADD COLUMN name_zh text,
            ADD COLUMN partial boolean NOT NULL DEFAULT false;
        ALTER TABLE competitions.result ALTER COLUMN mark DROP NOT NULL;
        CREATE TABLE competitions.published_tally (
            member      text COLLATE "C" NOT NULL REFERENCES competitions.member (code),
            kind        text        NOT NULL
                CHECK (kind IN ('worldskills', 'national', 'provincial', 'other')),
            since_year  integer     NOT NULL,
            until_year  integer     NOT NULL CHECK (until_year >= since_year),
            competitions integer,
            competitors integer,
            gold        integer     NOT NULL,
            silver      integer     NOT NULL,
            bronze      integer     NOT NULL,
            excellence  integer     NOT NULL,
            source      text        NOT NULL,
            set_by      text        NOT NULL,
            set_at      timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (member, kind, since_year, until_year)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE competitions.published_tally;
        DELETE FROM competitions.result_competitor
            WHERE result_id IN (SELECT id FROM competitions.result WHERE mark IS NULL);
        DELETE FROM competitions.result WHERE mark IS NULL;
        ALTER TABLE competitions.result ALTER COLUMN mark SET NOT NULL;
        ALTER TABLE competitions.competition DROP COLUMN partial, DROP COLUMN name_zh;
        """
    )

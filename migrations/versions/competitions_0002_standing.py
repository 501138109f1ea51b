"""competitions: standings read model (each member's tally and ranks per competition)

Revision ID: competitions_0002
Revises: competitions_0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "competitions_0002"
down_revision = "competitions_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Ranks are computed when results apply, so medal tables and member histories are
    # plain index reads however many editions there are.
    op.execute(
        """
        CREATE TABLE competitions.standing (
            competition           text COLLATE "C" NOT NULL,
            member                text COLLATE "C" NOT NULL,
            gold                  integer          NOT NULL,
            silver                integer          NOT NULL,
            bronze                integer          NOT NULL,
            excellence            integer          NOT NULL,
            score_total           double precision NOT NULL,
            entries               integer          NOT NULL,
            skills_entered        integer          NOT NULL,
            competitors           integer          NOT NULL,
            rank_gold             integer          NOT NULL,
            rank_total            integer          NOT NULL,
            rank_points           integer          NOT NULL,
            rank_score_total      integer          NOT NULL,
            rank_score_avg        integer          NOT NULL,
            rank_points_per_skill integer          NOT NULL,
            PRIMARY KEY (competition, member)
        );
        CREATE INDEX standing_member ON competitions.standing (member, competition);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE competitions.standing")

"""competitions: no plain national ID at rest

Competitor national IDs are hashed at the API edge now (the keyed hash ratings uses); results
keep that hash and the last four characters. Existing rows: the last four come from the plain
ID, a grant's `person` (a digest of the plain ID in grant ids) becomes a digest of its keyed
hash, as new grants are computed; then the plain IDs are dropped with their table. Published
outbox rows of old grant events (which carried plain IDs) go too.

Revision ID: competitions_0006
Revises: competitions_0005
Create Date: 2026-12-01
"""

from alembic import op

revision = "competitions_0006"
down_revision = "competitions_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE competitions.result_competitor ADD COLUMN id_last4 text;
        UPDATE competitions.result_competitor c SET id_last4 = right(p.national_id, 4)
        FROM competitions.person_identity p WHERE p.nid_hash = c.nid_hash;
        UPDATE competitions.rating_grant g
        SET person = left(encode(sha256(convert_to('skillsreg:grant:' || p.nid_hash, 'UTF8')),
                                 'hex'), 24)
        FROM competitions.person_identity p
        WHERE g.person = left(encode(sha256(convert_to(
            'skillsreg:grant:' || upper(trim(p.national_id)), 'UTF8')), 'hex'), 24);
        DELETE FROM competitions.outbox
        WHERE subject = 'skills.competitions.ratings.granted' AND published_at IS NOT NULL;
        DROP TABLE competitions.person_identity;
        """
    )


def downgrade() -> None:
    # The plain IDs are gone for good; the table comes back empty.
    op.execute(
        """
        CREATE TABLE competitions.person_identity (
            nid_hash    text PRIMARY KEY,
            national_id text NOT NULL
        );
        ALTER TABLE competitions.result_competitor DROP COLUMN id_last4;
        """
    )

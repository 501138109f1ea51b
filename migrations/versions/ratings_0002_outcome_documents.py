"""ratings: a batch's outcomes as one document; cheaper certificate and outbox writes

Outcomes are written once and read whole by the submitting body, so one jsonb document per
batch replaces a row per candidate (half the rows an ingest writes). Each entry is an array:
[index, name, id_last4, occupation_code, level, theory, practical, review, outcome, reason,
certificate_number] (see services/ratings/store.py OutcomeEntry).

Revision ID: ratings_0002
Revises: ratings_0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "ratings_0002"
down_revision = "ratings_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        DROP TABLE ratings.outcome;
        ALTER TABLE ratings.assessment_batch ADD COLUMN outcomes jsonb NOT NULL DEFAULT '[]';
        ALTER TABLE ratings.assessment_batch ALTER COLUMN outcomes DROP DEFAULT;
        -- Only grants carry a grant id; assessment certificates need no entry in its index.
        ALTER TABLE ratings.certificate DROP CONSTRAINT certificate_grant_id_key;
        CREATE UNIQUE INDEX certificate_grant ON ratings.certificate (grant_id)
            WHERE grant_id IS NOT NULL;
        -- Outbox rows live for a day; compressing their payloads only costs CPU.
        ALTER TABLE ratings.outbox ALTER COLUMN payload SET STORAGE EXTERNAL;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        ALTER TABLE ratings.outbox ALTER COLUMN payload SET STORAGE EXTENDED;
        DROP INDEX ratings.certificate_grant;
        ALTER TABLE ratings.certificate ADD CONSTRAINT certificate_grant_id_key UNIQUE (grant_id);
        ALTER TABLE ratings.assessment_batch DROP COLUMN outcomes;
        CREATE TABLE ratings.outcome (
            batch_id        text     NOT NULL REFERENCES ratings.assessment_batch (batch_id),
            idx             integer  NOT NULL,
            person          text     NOT NULL,
            id_last4        text     NOT NULL,
            name            text     NOT NULL,
            occupation_code text     NOT NULL,
            level           text     NOT NULL,
            theory          real     NOT NULL,
            practical       real     NOT NULL,
            review          real,
            outcome         text     NOT NULL,
            reason          text,
            certificate_no  text,
            PRIMARY KEY (batch_id, idx)
        );
        """
    )

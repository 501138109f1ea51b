"""ratings: no per-row body check on certificates; outcome documents compressed by the service

Two costs of every assessment batch, measured with the ingest benchmark (bench/):

- The foreign key from `certificate.body_id` to `body` ran one look-up with a row lock for
  each certificate: close to half of what Postgres spent on the certificate COPY. The rule it
  kept ("a certificate names an existing body") now holds from the other side: the batch
  handler reads the body in the transaction that issues, and a body can be neither deleted
  nor renamed (trigger `body_kept`), so no certificate can lose its body.
- `assessment_batch.outcomes` was jsonb: Postgres parsed every 1,000-entry document only to
  hand it back whole, then compressed it with pglz (an eighth of its CPU during an ingest).
  It is now the zlib-compressed JSON the service writes (level 1: a tenth of the size, a
  tenth of the CPU) and decodes when a body reads its batch; TOAST stores it as it is.

Revision ID: ratings_0005
Revises: ratings_0004
Create Date: 2026-11-30
"""

import zlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "ratings_0005"
down_revision = "ratings_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        DO $$
        DECLARE fk text;
        BEGIN
            SELECT conname INTO fk FROM pg_constraint
            WHERE conrelid = 'ratings.certificate'::regclass AND contype = 'f'
              AND confrelid = 'ratings.body'::regclass;
            IF fk IS NOT NULL THEN
                EXECUTE format('ALTER TABLE ratings.certificate DROP CONSTRAINT %I', fk);
            END IF;
        END $$;
        CREATE FUNCTION ratings.body_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'evaluation body % cannot be deleted or renamed', OLD.body_id
                USING ERRCODE = 'restrict_violation',
                      HINT = 'certificates and batches name it; end its authorisations instead';
        END $$;
        CREATE TRIGGER body_kept BEFORE DELETE OR UPDATE OF body_id ON ratings.body
            FOR EACH ROW EXECUTE FUNCTION ratings.body_kept();
        ALTER TABLE ratings.assessment_batch RENAME COLUMN outcomes TO outcomes_old;
        ALTER TABLE ratings.assessment_batch ADD COLUMN outcomes bytea;
        ALTER TABLE ratings.assessment_batch ALTER COLUMN outcomes SET STORAGE EXTERNAL;
        """
    )
    _convert("outcomes_old::text", lambda text: zlib.compress(text.encode(), 1))
    op.execute(
        """
        ALTER TABLE ratings.assessment_batch ALTER COLUMN outcomes SET NOT NULL;
        ALTER TABLE ratings.assessment_batch DROP COLUMN outcomes_old;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        ALTER TABLE ratings.assessment_batch RENAME COLUMN outcomes TO outcomes_old;
        ALTER TABLE ratings.assessment_batch ADD COLUMN outcomes jsonb;
        """
    )
    _convert("outcomes_old", lambda document: zlib.decompress(document).decode(), cast="jsonb")
    op.execute(
        """
        ALTER TABLE ratings.assessment_batch ALTER COLUMN outcomes SET NOT NULL;
        ALTER TABLE ratings.assessment_batch DROP COLUMN outcomes_old;
        DROP TRIGGER body_kept ON ratings.body;
        DROP FUNCTION ratings.body_kept();
        ALTER TABLE ratings.certificate
            ADD FOREIGN KEY (body_id) REFERENCES ratings.body (body_id);
        """
    )


def _convert(source: str, convert: Callable[[Any], Any], cast: str = "bytea") -> None:
    """Fill `outcomes` from `outcomes_old` through `convert`, 500 batches at a time."""
    bind = op.get_bind()
    after = ""
    while True:
        rows = bind.execute(
            sa.text(
                f"""SELECT batch_id, {source} AS old FROM ratings.assessment_batch
                WHERE batch_id > :after ORDER BY batch_id LIMIT 500"""
            ),
            {"after": after},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text(
                f"UPDATE ratings.assessment_batch SET outcomes = CAST(:new AS {cast}) "
                "WHERE batch_id = :batch_id"
            ),
            [{"batch_id": r.batch_id, "new": convert(r.old)} for r in rows],
        )
        after = rows[-1].batch_id

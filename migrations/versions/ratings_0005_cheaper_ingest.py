"""ratings: no per-row body check on certificates; outcome documents as compressed JSON bytes

Two costs of every assessment batch, measured with the ingest benchmark (bench/):

- The foreign key from `certificate.body_id` to `body` ran one look-up with a row lock for
  each certificate: close to half of what Postgres spent on the certificate COPY. The rule it
  kept ("a certificate names an existing body") now holds from the other side: the batch
  handler reads the body in the transaction that issues, and a body can be neither deleted
  nor renamed (trigger `body_kept`), so no certificate can lose its body.
- `assessment_batch.outcomes` was jsonb: Postgres parsed every 1,000-entry document only to
  hand it back whole. It is now the JSON bytes the service wrote (still compressed by TOAST),
  decoded by the service when a body reads its batch. About a third of the cost.

Revision ID: ratings_0005
Revises: ratings_0004
Create Date: 2026-11-30
"""

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
        ALTER TABLE ratings.assessment_batch
            ALTER COLUMN outcomes TYPE bytea USING convert_to(outcomes::text, 'UTF8');
        """
    )


def downgrade() -> None:
    op.execute(
        """
        ALTER TABLE ratings.assessment_batch
            ALTER COLUMN outcomes TYPE jsonb USING convert_from(outcomes, 'UTF8')::jsonb;
        DROP TRIGGER body_kept ON ratings.body;
        DROP FUNCTION ratings.body_kept();
        ALTER TABLE ratings.certificate
            ADD FOREIGN KEY (body_id) REFERENCES ratings.body (body_id);
        """
    )

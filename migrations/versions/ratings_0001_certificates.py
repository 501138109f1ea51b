"""ratings: occupation codes, evaluation bodies, assessment batches, certificates

Revision ID: ratings_0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

from migrations.bus_tables import bus_tables

revision = "ratings_0001"
down_revision = None
branch_labels = ("ratings",)
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE SCHEMA ratings;

        -- Our own copy of the classification, kept from catalogue.changed events.
        CREATE TABLE ratings.occupation (
            code       text COLLATE "C" PRIMARY KEY,
            level      smallint NOT NULL,
            name_zh    text     NOT NULL,
            status     text     NOT NULL CHECK (status IN ('active', 'retired')),
            revision   bigint   NOT NULL,
            release_id text     NOT NULL
        );

        CREATE TABLE ratings.body (
            body_id    text        PRIMARY KEY,
            body_no    integer     GENERATED ALWAYS AS IDENTITY UNIQUE,
            name       text        NOT NULL,
            kind       text        NOT NULL CHECK (kind IN ('enterprise', 'social', 'competition')),
            created_by text        NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE ratings.authorisation (
            authorisation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            body_id          text   NOT NULL REFERENCES ratings.body (body_id),
            occupation_code  text COLLATE "C" NOT NULL,
            levels           text[] NOT NULL,
            valid_from       date   NOT NULL,
            valid_to         date,
            granted_by       text   NOT NULL,
            granted_at       timestamptz NOT NULL DEFAULT now(),
            CHECK (valid_to IS NULL OR valid_to >= valid_from)
        );
        CREATE INDEX authorisation_body ON ratings.authorisation (body_id, occupation_code);

        CREATE TABLE ratings.assessment_batch (
            batch_id     text        PRIMARY KEY,
            body_id      text        NOT NULL REFERENCES ratings.body (body_id),
            exam_date    date        NOT NULL,
            content_hash text        NOT NULL,
            event_id     text        NOT NULL,
            actor        text        NOT NULL,
            candidates   integer     NOT NULL,
            passed       integer     NOT NULL,
            failed       integer     NOT NULL,
            refused      integer     NOT NULL,
            applied_at   timestamptz NOT NULL DEFAULT now()
        );

        -- One row per candidate of an applied batch; people only as keyed hash + last 4.
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
            outcome         text     NOT NULL CHECK (outcome IN ('passed', 'failed', 'refused')),
            reason          text,
            certificate_no  text,
            PRIMARY KEY (batch_id, idx)
        );

        -- Serials per body and year; one row lock per batch, not per certificate.
        CREATE TABLE ratings.certificate_serial (
            body_no integer NOT NULL,
            year    integer NOT NULL,
            last    bigint  NOT NULL,
            PRIMARY KEY (body_no, year)
        );

        CREATE TABLE ratings.certificate (
            number          text COLLATE "C" PRIMARY KEY,
            person          text        NOT NULL,
            id_last4        text        NOT NULL,
            name            text        NOT NULL,
            occupation_code text        NOT NULL,
            level           text        NOT NULL,
            body_id         text        NOT NULL REFERENCES ratings.body (body_id),
            origin          text        NOT NULL CHECK (origin IN ('assessment', 'grant')),
            origin_id       text        NOT NULL,
            exam_date       date        NOT NULL,
            issued_on       date        NOT NULL,
            grant_id        text        UNIQUE,
            revoked_at      timestamptz,
            revoked_by      text,
            revocation_reason text
        );
        CREATE INDEX certificate_person ON ratings.certificate (person);

        -- Competition grants handled so far (issued or refused): the exactly-once key.
        CREATE TABLE ratings.grant_outcome (
            grant_id         text PRIMARY KEY,
            competition_code text NOT NULL,
            result_revision  integer NOT NULL,
            outcome          text NOT NULL CHECK (outcome IN ('passed', 'refused')),
            reason           text,
            certificate_no   text,
            handled_at       timestamptz NOT NULL DEFAULT now()
        );
        """
        + bus_tables("ratings")
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA ratings CASCADE")

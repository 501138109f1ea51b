"""labour: demand catalogues, pay, new-occupation packages, rating statistics

Its own copies of what other contexts publish (occupations, evaluation bodies and their
authorisations, certificate counts), the current state of each publication, every applied
revision as a document, and the suppressed statistics tables cached per read-model version.

Revision ID: labour_0001
Revises:
Create Date: 2026-12-01
"""

from alembic import op

from migrations.bus_tables import add_dead_letter_subject, bus_tables

revision = "labour_0001"
down_revision = None
branch_labels = ("labour",)
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE SCHEMA labour;

        -- Copies fed by other contexts' events ------------------------------------------------
        CREATE TABLE labour.occupation (
            code         text COLLATE "C" PRIMARY KEY,
            level        smallint NOT NULL,
            name_zh      text     NOT NULL,
            name_en      text,
            status       text     NOT NULL,
            introduced_in text,              -- the release that added it
            revision     integer  NOT NULL   -- catalogue revision of this state
        );
        CREATE INDEX occupation_introduced ON labour.occupation (introduced_in) WHERE level = 4;
        CREATE TABLE labour.body (
            body_id  text PRIMARY KEY,
            body_no  integer NOT NULL,
            name     text    NOT NULL,
            kind     text    NOT NULL,
            province text
        );
        CREATE TABLE labour.authorisation (
            authorisation_id bigint PRIMARY KEY,
            body_id          text   NOT NULL,
            occupation_code  text COLLATE "C" NOT NULL,
            levels           text[] NOT NULL,
            valid_from       date   NOT NULL,
            valid_to         date
        );
        CREATE INDEX authorisation_occupation ON labour.authorisation (occupation_code, body_id);

        -- Publications: submissions, every applied revision, and the current state ----------
        CREATE TABLE labour.submission (
            submission_id text PRIMARY KEY,
            what          text        NOT NULL CHECK (what IN ('catalogue', 'pay', 'package')),
            key           text        NOT NULL,
            revision      integer     NOT NULL,
            content_hash  text        NOT NULL,
            actor         text        NOT NULL,
            submitted_at  timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX submission_key ON labour.submission (what, key, revision);
        CREATE TABLE labour.publication (
            what         text        NOT NULL,
            key          text        NOT NULL,
            revision     integer     NOT NULL,
            content_hash text        NOT NULL,
            event_id     text        NOT NULL,
            actor        text        NOT NULL,
            document     jsonb       NOT NULL,
            applied_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (what, key, revision)
        );
        CREATE INDEX publication_event ON labour.publication (event_id);

        CREATE TABLE labour.catalogue (
            catalogue_id text PRIMARY KEY,  -- <kind>.<region>.<period>
            kind         text    NOT NULL,
            region       text    NOT NULL,
            period       text    NOT NULL,
            period_start date    NOT NULL,
            period_end   date    NOT NULL,
            revision     integer NOT NULL,
            title        text    NOT NULL,
            published_on date    NOT NULL,
            source       text    NOT NULL,
            note         text    NOT NULL,
            applied_at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX catalogue_series ON labour.catalogue (kind, region, period_start, period_end);
        CREATE TABLE labour.catalogue_entry (
            catalogue_id        text     NOT NULL REFERENCES labour.catalogue ON DELETE CASCADE,
            rank                smallint NOT NULL,
            occupation_code     text COLLATE "C" NOT NULL,
            demand_supply_ratio double precision,
            vacancies           integer,
            job_seekers         integer,
            PRIMARY KEY (catalogue_id, occupation_code),
            UNIQUE (catalogue_id, rank)
        );
        CREATE INDEX catalogue_entry_occupation ON labour.catalogue_entry (occupation_code);

        CREATE TABLE labour.pay_survey (
            survey_id    text PRIMARY KEY,  -- <region>.<year>
            region       text     NOT NULL,
            year         smallint NOT NULL,
            revision     integer  NOT NULL,
            title        text     NOT NULL,
            published_on date     NOT NULL,
            source       text     NOT NULL,
            note         text     NOT NULL,
            minimum_pay  jsonb    NOT NULL  -- [{level, monthly}]
        );
        CREATE TABLE labour.pay (
            survey_id       text NOT NULL REFERENCES labour.pay_survey ON DELETE CASCADE,
            occupation_code text COLLATE "C" NOT NULL,
            level           text    NOT NULL,
            p10 integer NOT NULL, p25 integer NOT NULL, p50 integer NOT NULL,
            p75 integer NOT NULL, p90 integer NOT NULL,
            sample_size     integer NOT NULL,
            PRIMARY KEY (survey_id, occupation_code, level),
            CHECK (0 <= p10 AND p10 <= p25 AND p25 <= p50 AND p50 <= p75 AND p75 <= p90)
        );
        CREATE INDEX pay_occupation ON labour.pay (occupation_code);
        CREATE INDEX pay_level ON labour.pay (survey_id, level, p50 DESC);

        CREATE TABLE labour.package (
            occupation_code text COLLATE "C" PRIMARY KEY,
            revision        integer NOT NULL,
            published_on    date    NOT NULL,
            standard        jsonb,
            training        jsonb   NOT NULL,
            note            text    NOT NULL
        );
        CREATE TABLE labour.package_body (
            occupation_code text COLLATE "C" NOT NULL
                REFERENCES labour.package ON DELETE CASCADE,
            body_id         text NOT NULL,
            selected_on     date NOT NULL,
            PRIMARY KEY (occupation_code, body_id)
        );

        -- Rating statistics: certificates counted by cell, from certificate events ----------
        CREATE TABLE labour.certificate_count (
            year            smallint NOT NULL,
            level           text     NOT NULL,
            occupation_code text COLLATE "C" NOT NULL,
            body_id         text     NOT NULL,
            origin          text     NOT NULL,
            issued          integer  NOT NULL DEFAULT 0,
            revoked         integer  NOT NULL DEFAULT 0,
            PRIMARY KEY (year, level, occupation_code, body_id, origin)
        );
        -- Bumped in every transaction that changes a count or a body, so a cached table is
        -- known stale the moment it is (a row, not a sequence: it moves only on commit).
        CREATE TABLE labour.statistics_version (
            one     boolean PRIMARY KEY DEFAULT true CHECK (one),
            version bigint  NOT NULL
        );
        INSERT INTO labour.statistics_version VALUES (true, 0);
        CREATE TABLE labour.statistics_table (
            table_key text   PRIMARY KEY,  -- <rows_by>:<year|all>
            version   bigint NOT NULL,
            body      bytea  NOT NULL      -- the encoded public StatisticsTable
        );
        """
        + bus_tables("labour")
    )
    add_dead_letter_subject("labour", None)


def downgrade() -> None:
    op.execute("DROP SCHEMA labour CASCADE;")

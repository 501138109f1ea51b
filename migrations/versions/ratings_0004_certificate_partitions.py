"""ratings: certificates partitioned by year

Hundreds of millions of certificates, tens of millions a year: one partition per exam year
(the year the number starts with) keeps each year's indexes small, lets old years move to
cheaper storage and lets a look-up by number touch one partition. Years 2015-2035 get their
own partition here; anything else lands in `certificate_other` until a partition is added.
The primary key is (number, year); a number is unique on its own because it starts with its
year.

Revision ID: ratings_0004
Revises: ratings_0003
Create Date: 2026-11-23
"""

from alembic import op

revision = "ratings_0004"
down_revision = "ratings_0003"
branch_labels = None
depends_on = None

COLUMNS = """number, person, id_last4, name, occupation_code, level, body_id, origin, origin_id,
    exam_date, issued_on, grant_id, revoked_at, revoked_by, revocation_reason"""


def upgrade() -> None:
    op.execute(
        f"""
        ALTER TABLE ratings.certificate RENAME TO certificate_single;
        ALTER INDEX ratings.certificate_pkey RENAME TO certificate_single_pkey;
        ALTER INDEX ratings.certificate_person RENAME TO certificate_single_person;
        ALTER INDEX ratings.certificate_grant RENAME TO certificate_single_grant;
        CREATE TABLE ratings.certificate (
            number            text COLLATE "C" NOT NULL,
            person            text        NOT NULL,
            id_last4          text        NOT NULL,
            name              text        NOT NULL,
            occupation_code   text        NOT NULL,
            level             text        NOT NULL,
            body_id           text        NOT NULL REFERENCES ratings.body (body_id),
            origin            text        NOT NULL CHECK (origin IN ('assessment', 'grant')),
            origin_id         text        NOT NULL,
            exam_date         date        NOT NULL,
            issued_on         date        NOT NULL,
            grant_id          text,
            revoked_at        timestamptz,
            revoked_by        text,
            revocation_reason text,
            year              smallint    NOT NULL,
            PRIMARY KEY (number, year)
        ) PARTITION BY RANGE (year);
        CREATE INDEX certificate_person ON ratings.certificate (person);
        -- Grants are issued once through ratings.grant_outcome's key; this only finds them.
        CREATE INDEX certificate_grant ON ratings.certificate (grant_id)
            WHERE grant_id IS NOT NULL;
        DO $$
        BEGIN
            FOR y IN 2015..2035 LOOP
                EXECUTE format(
                    'CREATE TABLE ratings.certificate_%s PARTITION OF ratings.certificate
                     FOR VALUES FROM (%s) TO (%s)', y, y, y + 1);
            END LOOP;
        END $$;
        CREATE TABLE ratings.certificate_other PARTITION OF ratings.certificate DEFAULT;
        INSERT INTO ratings.certificate ({COLUMNS}, year)
        SELECT {COLUMNS}, left(number, 4)::smallint FROM ratings.certificate_single;
        DROP TABLE ratings.certificate_single;
        """
    )


def downgrade() -> None:
    op.execute(
        f"""
        ALTER TABLE ratings.certificate RENAME TO certificate_partitioned;
        ALTER INDEX ratings.certificate_pkey RENAME TO certificate_partitioned_pkey;
        ALTER INDEX ratings.certificate_person RENAME TO certificate_partitioned_person;
        ALTER INDEX ratings.certificate_grant RENAME TO certificate_partitioned_grant;
        CREATE TABLE ratings.certificate (
            number            text COLLATE "C" PRIMARY KEY,
            person            text        NOT NULL,
            id_last4          text        NOT NULL,
            name              text        NOT NULL,
            occupation_code   text        NOT NULL,
            level             text        NOT NULL,
            body_id           text        NOT NULL REFERENCES ratings.body (body_id),
            origin            text        NOT NULL,
            origin_id         text        NOT NULL,
            exam_date         date        NOT NULL,
            issued_on         date        NOT NULL,
            grant_id          text,
            revoked_at        timestamptz,
            revoked_by        text,
            revocation_reason text
        );
        CREATE INDEX certificate_person ON ratings.certificate (person);
        CREATE UNIQUE INDEX certificate_grant ON ratings.certificate (grant_id)
            WHERE grant_id IS NOT NULL;
        INSERT INTO ratings.certificate ({COLUMNS})
        SELECT {COLUMNS} FROM ratings.certificate_partitioned;
        DROP TABLE ratings.certificate_partitioned;
        """
    )

"""competitions: competitions, members, skills, results with revisions, tallies, grants

Revision ID: competitions_0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

from migrations.bus_tables import bus_tables

revision = "competitions_0001"
down_revision = None
branch_labels = ("competitions",)
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE SCHEMA competitions;
        CREATE TABLE competitions.member (
            code       text COLLATE "C" PRIMARY KEY,
            name_en    text        NOT NULL,
            name_zh    text,
            kind       text        NOT NULL CHECK (kind IN ('member', 'province')),
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE competitions.competition (
            code         text COLLATE "C" PRIMARY KEY,
            name         text        NOT NULL,
            kind         text        NOT NULL
                CHECK (kind IN ('worldskills', 'national', 'provincial', 'other')),
            organiser    text        NOT NULL,
            edition      integer,
            host_city    text,
            host_country text,
            starts_on    date        NOT NULL,
            ends_on      date        NOT NULL CHECK (ends_on >= starts_on),
            rules        jsonb       NOT NULL,
            note         text        NOT NULL DEFAULT '',
            created_by   text        NOT NULL,
            created_at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX competition_chrono ON competitions.competition (starts_on DESC, code);
        CREATE TABLE competitions.skill (
            competition     text COLLATE "C" NOT NULL REFERENCES competitions.competition (code),
            number          text COLLATE "C" NOT NULL,
            name_en         text     NOT NULL,
            name_zh         text,
            sector          text     NOT NULL,
            team_size       smallint NOT NULL CHECK (team_size >= 1),
            kind            text     NOT NULL CHECK (kind IN ('official', 'demonstration')),
            occupation_code text,
            revision        integer,
            PRIMARY KEY (competition, number)
        );
        CREATE INDEX skill_name ON competitions.skill (lower(name_en));
        CREATE INDEX skill_number ON competitions.skill (number);
        CREATE TABLE competitions.skill_revision (
            competition  text COLLATE "C" NOT NULL,
            skill        text COLLATE "C" NOT NULL,
            revision     integer     NOT NULL,
            content_hash text        NOT NULL,
            event_id     text        NOT NULL,
            actor        text        NOT NULL,
            applied_at   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (competition, skill, revision),
            FOREIGN KEY (competition, skill) REFERENCES competitions.skill (competition, number)
        );
        CREATE TABLE competitions.result (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            competition text COLLATE "C" NOT NULL,
            skill       text COLLATE "C" NOT NULL,
            revision    integer          NOT NULL,
            member      text COLLATE "C" NOT NULL REFERENCES competitions.member (code),
            mark        double precision NOT NULL,
            position    integer          NOT NULL,
            medal       text             NOT NULL
                CHECK (medal IN ('GOLD', 'SILVER', 'BRONZE', 'EXCELLENCE', 'NONE')),
            current     boolean          NOT NULL DEFAULT true,
            UNIQUE (competition, skill, revision, member),
            FOREIGN KEY (competition, skill, revision)
                REFERENCES competitions.skill_revision (competition, skill, revision)
        );
        CREATE INDEX result_current ON competitions.result (competition, skill, position, member)
            WHERE current;
        CREATE INDEX result_member ON competitions.result (member, competition) WHERE current;
        CREATE INDEX result_gold ON competitions.result (skill, competition)
            WHERE current AND medal = 'GOLD';
        -- Public competitor rows: a person id and a name, never a national ID.
        CREATE TABLE competitions.result_competitor (
            result_id bigint   NOT NULL REFERENCES competitions.result (id),
            seq       smallint NOT NULL,
            person_id text COLLATE "C" NOT NULL,
            name      text     NOT NULL,
            nid_hash  text,
            PRIMARY KEY (result_id, seq)
        );
        CREATE INDEX result_competitor_person ON competitions.result_competitor (person_id);
        -- Private: national IDs, read only to emit rating grants; no public route touches it.
        CREATE TABLE competitions.person_identity (
            nid_hash    text PRIMARY KEY,
            national_id text NOT NULL
        );
        -- Read model: one member's results per competition and sector (official skills).
        CREATE TABLE competitions.tally (
            competition    text COLLATE "C" NOT NULL,
            member         text COLLATE "C" NOT NULL,
            sector         text             NOT NULL,
            gold           integer          NOT NULL,
            silver         integer          NOT NULL,
            bronze         integer          NOT NULL,
            excellence     integer          NOT NULL,
            score_total    double precision NOT NULL,
            entries        integer          NOT NULL,
            skills_entered integer          NOT NULL,
            competitors    integer          NOT NULL,
            PRIMARY KEY (competition, member, sector)
        );
        CREATE INDEX tally_member ON competitions.tally (member, competition);
        CREATE TABLE competitions.occupation (
            code     text COLLATE "C" PRIMARY KEY,
            revision integer NOT NULL,
            status   text    NOT NULL,
            name_zh  text    NOT NULL
        );
        CREATE TABLE competitions.submission (
            event_id    text PRIMARY KEY,
            competition text        NOT NULL,
            applied     text[]      NOT NULL,
            unchanged   text[]      NOT NULL,
            handled_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE competitions.rating_policy (
            competition text COLLATE "C" PRIMARY KEY REFERENCES competitions.competition (code),
            version     integer     NOT NULL,
            rules       jsonb       NOT NULL,
            set_by      text        NOT NULL,
            set_at      timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE competitions.rating_grant (
            grant_id        text PRIMARY KEY,
            competition     text        NOT NULL,
            skill           text        NOT NULL,
            policy_id       text        NOT NULL,
            result_revision integer     NOT NULL,
            medal           text        NOT NULL,
            level           text        NOT NULL,
            occupation_code text        NOT NULL,
            granted_at      timestamptz NOT NULL DEFAULT now()
        );
        """
        + bus_tables("competitions")
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA competitions CASCADE")

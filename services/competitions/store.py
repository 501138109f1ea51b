"""SQL for the competitions schema: writes of competitions, skills, members and results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec

from schemas.competitions import (
    CompetitionCreate,
    MemberCreate,
    PublishedTallyCreate,
    SkillCreate,
)
from schemas.occupations import OccupationState
from services.platform.db import Connection, Pool

Conn = Connection | Pool

COMPETITION_COLUMNS = """code, name, kind, organiser, edition, host_city, host_country,
    starts_on, ends_on, rules, note, name_zh, partial"""
SKILL_COLUMNS = "number, name_en, name_zh, sector, team_size, kind, occupation_code, revision"


async def insert_competition(conn: Conn, c: CompetitionCreate, actor: str) -> bool:
    """False if the code is taken."""
    done = await conn.fetchval(
        """INSERT INTO competitions.competition
            (code, name, kind, organiser, edition, host_city, host_country, starts_on, ends_on,
             rules, note, created_by, name_zh, partial)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (code) DO NOTHING RETURNING true""",
        c.code,
        c.name,
        c.kind,
        c.organiser,
        c.edition,
        c.host_city,
        c.host_country,
        c.starts_on,
        c.ends_on,
        msgspec.to_builtins(c.rules),
        c.note,
        actor,
        c.name_zh,
        c.partial,
    )
    return bool(done)


async def get_competition(conn: Conn, code: str, *, lock: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT {COMPETITION_COLUMNS} FROM competitions.competition WHERE code = $1
        {"FOR UPDATE" if lock else ""}""",
        code,
    )


async def existing_skills(conn: Conn, competition: str, numbers: list[str]) -> list[str]:
    rows = await conn.fetch(
        """SELECT number FROM competitions.skill
        WHERE competition = $1 AND number = any($2::text[]) ORDER BY number""",
        competition,
        numbers,
    )
    return [r["number"] for r in rows]


async def insert_skills(conn: Conn, competition: str, skills: Sequence[SkillCreate]) -> int:
    """Insert new skills; return how many were new (the caller refuses any already there)."""
    rows = [msgspec.to_builtins(s) for s in skills]
    done = await conn.fetch(
        """INSERT INTO competitions.skill
            (competition, number, name_en, name_zh, sector, team_size, kind, occupation_code)
        SELECT $1, number, name_en, name_zh, sector, team_size, kind, occupation_code
        FROM jsonb_to_recordset($2::jsonb) AS x(number text, name_en text, name_zh text,
            sector text, team_size smallint, kind text, occupation_code text)
        ON CONFLICT (competition, number) DO NOTHING RETURNING number""",
        competition,
        rows,
    )
    return len(done)


async def upsert_members(conn: Conn, members: Sequence[MemberCreate], *, rename: bool) -> int:
    """New members are added; existing ones are renamed only when `rename` (ministry/admin)."""
    action = (
        "UPDATE SET name_en = excluded.name_en, name_zh = excluded.name_zh"
        if rename
        else ("NOTHING")
    )
    done = await conn.fetch(
        f"""INSERT INTO competitions.member (code, name_en, name_zh, kind)
        SELECT code, name_en, name_zh, kind
        FROM jsonb_to_recordset($1::jsonb) AS x(code text, name_en text, name_zh text, kind text)
        ON CONFLICT (code) DO {action} RETURNING code""",
        [msgspec.to_builtins(m) for m in members],
    )
    return len(done)


async def put_published_tally(
    conn: Conn, member: str, tally: PublishedTallyCreate, actor: str
) -> asyncpg.Record:
    """Record (or replace) a member's published tally for one kind and period."""
    return await conn.fetchrow(
        """INSERT INTO competitions.published_tally
            (member, kind, since_year, until_year, competitions, competitors, gold, silver,
             bronze, excellence, source, set_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (member, kind, since_year, until_year) DO UPDATE SET
            competitions = excluded.competitions, competitors = excluded.competitors,
            gold = excluded.gold, silver = excluded.silver, bronze = excluded.bronze,
            excellence = excluded.excellence, source = excluded.source,
            set_by = excluded.set_by, set_at = now()
        RETURNING member, kind, since_year AS since, until_year AS until, competitions,
            competitors, gold, silver, bronze, excellence, source""",
        member,
        tally.kind,
        tally.since,
        tally.until,
        tally.competitions,
        tally.competitors,
        tally.gold,
        tally.silver,
        tally.bronze,
        tally.excellence,
        tally.source,
        actor,
    )


async def known_members(conn: Conn, codes: list[str]) -> frozenset[str]:
    rows = await conn.fetch(
        "SELECT code FROM competitions.member WHERE code = any($1::text[])", codes
    )
    return frozenset(r["code"] for r in rows)


async def active_occupations(conn: Conn, codes: list[str]) -> set[str]:
    rows = await conn.fetch(
        """SELECT code FROM competitions.occupation
        WHERE code = any($1::text[]) AND status = 'active'""",
        codes,
    )
    return {r["code"] for r in rows}


async def upsert_occupations(conn: Conn, revision: int, states: Sequence[OccupationState]) -> None:
    """Per code, the state with the highest catalogue revision wins, whatever the arrival order."""
    await conn.execute(
        """INSERT INTO competitions.occupation (code, revision, status, name_zh)
        SELECT code, $1, status, name_zh
        FROM jsonb_to_recordset($2::jsonb) AS x(code text, status text, name_zh text)
        ON CONFLICT (code) DO UPDATE
            SET revision = excluded.revision, status = excluded.status, name_zh = excluded.name_zh
            WHERE competitions.occupation.revision < excluded.revision""",
        revision,
        [{"code": s.code, "status": s.status, "name_zh": s.name_zh} for s in states],
    )


# -- results ----------------------------------------------------------------------------------


async def lock_skills(conn: Conn, competition: str, numbers: list[str]) -> dict[str, Any]:
    """The skills' rows, locked so concurrent replicas apply one revision at a time."""
    rows = await conn.fetch(
        f"""SELECT {SKILL_COLUMNS} FROM competitions.skill
        WHERE competition = $1 AND number = any($2::text[])
        ORDER BY number FOR UPDATE""",
        competition,
        numbers,
    )
    return {r["number"]: r for r in rows}


async def skill_facts(conn: Conn, competition: str, numbers: list[str]) -> dict[str, Any]:
    rows = await conn.fetch(
        f"""SELECT {SKILL_COLUMNS} FROM competitions.skill
        WHERE competition = $1 AND number = any($2::text[])""",
        competition,
        numbers,
    )
    return {r["number"]: r for r in rows}


async def revision_hashes(
    conn: Conn, competition: str, keys: list[tuple[str, int]]
) -> dict[tuple[str, int], str]:
    rows = await conn.fetch(
        """SELECT r.skill, r.revision, r.content_hash
        FROM competitions.skill_revision r
        JOIN unnest($2::text[], $3::int[]) AS k(skill, revision)
          ON (r.skill, r.revision) = (k.skill, k.revision)
        WHERE r.competition = $1""",
        competition,
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(r["skill"], r["revision"]): r["content_hash"] for r in rows}


async def apply_results(
    conn: Conn,
    competition: str,
    revisions: list[dict[str, Any]],
    lines: list[dict[str, Any]],
) -> None:
    """Replace the current results of the given skills; earlier revisions stay as history.

    `revisions`: {skill, revision, content_hash, event_id, actor}; `lines`: {skill, revision,
    member, mark, position, medal, competitors: [{id, name, nid_hash, id_last4}]}.
    """
    skills = [r["skill"] for r in revisions]
    await conn.execute(
        """UPDATE competitions.result SET current = false
        WHERE competition = $1 AND skill = any($2::text[]) AND current""",
        competition,
        skills,
    )
    await conn.execute(
        """INSERT INTO competitions.skill_revision
            (competition, skill, revision, content_hash, event_id, actor)
        SELECT $1, skill, revision, content_hash, event_id, actor
        FROM jsonb_to_recordset($2::jsonb) AS x(skill text, revision int, content_hash text,
            event_id text, actor text)""",
        competition,
        revisions,
    )
    await conn.execute(
        """UPDATE competitions.skill s SET revision = x.revision
        FROM jsonb_to_recordset($2::jsonb) AS x(skill text, revision int)
        WHERE s.competition = $1 AND s.number = x.skill""",
        competition,
        revisions,
    )
    await conn.execute(
        """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(skill text, revision int,
                member text, mark float8, position int, medal text, competitors jsonb)
        ), inserted AS (
            INSERT INTO competitions.result
                (competition, skill, revision, member, mark, position, medal)
            SELECT $1, skill, revision, member, mark, position, medal FROM input
            RETURNING id, skill, member
        )
        INSERT INTO competitions.result_competitor
            (result_id, seq, person_id, name, nid_hash, id_last4)
        SELECT i.id, c.seq, c.person->>'id', c.person->>'name', c.person->>'nid_hash',
               c.person->>'id_last4'
        FROM inserted i
        JOIN input USING (skill, member),
             jsonb_array_elements(input.competitors) WITH ORDINALITY AS c(person, seq)
        """,
        competition,
        lines,
    )


async def refresh_tally(conn: Conn, competition: str) -> None:
    """Rebuild the competition's medal-table read model from its current official results."""
    await conn.execute("DELETE FROM competitions.tally WHERE competition = $1", competition)
    await conn.execute(
        """
        INSERT INTO competitions.tally
            (competition, member, sector, gold, silver, bronze, excellence, score_total,
             entries, skills_entered, competitors)
        SELECT r.competition, r.member, s.sector,
               count(*) FILTER (WHERE r.medal = 'GOLD'),
               count(*) FILTER (WHERE r.medal = 'SILVER'),
               count(*) FILTER (WHERE r.medal = 'BRONZE'),
               count(*) FILTER (WHERE r.medal = 'EXCELLENCE'),
               coalesce(sum(r.mark), 0), count(*), count(DISTINCT r.skill),
               sum((SELECT count(*) FROM competitions.result_competitor c
                    WHERE c.result_id = r.id))
        FROM competitions.result r
        JOIN competitions.skill s ON (s.competition, s.number) = (r.competition, r.skill)
        WHERE r.competition = $1 AND r.current AND s.kind = 'official'
        GROUP BY r.competition, r.member, s.sector
        """,
        competition,
    )


# Each member's medals and scores in a competition, summed over its sectors or in one ($2).
MEDAL_TABLE = """
    SELECT member, sum(gold)::int AS gold, sum(silver)::int AS silver,
           sum(bronze)::int AS bronze, sum(excellence)::int AS excellence,
           sum(score_total) AS score_total, sum(entries)::int AS entries,
           sum(skills_entered)::int AS skills_entered, sum(competitors)::int AS competitors
    FROM competitions.tally
    WHERE competition = $1 AND ($2::text IS NULL OR sector = $2)
    GROUP BY member
"""


async def competition_tallies(conn: Conn, competition: str) -> list[asyncpg.Record]:
    """Each member's tally over all sectors (what the standings are ranked on)."""
    return await conn.fetch(MEDAL_TABLE, competition, None)


async def replace_standings(conn: Conn, competition: str, rows: list[dict[str, Any]]) -> None:
    await conn.execute("DELETE FROM competitions.standing WHERE competition = $1", competition)
    await conn.execute(
        """INSERT INTO competitions.standing
            (competition, member, gold, silver, bronze, excellence, score_total, entries,
             skills_entered, competitors, rank_gold, rank_total, rank_points, rank_score_total,
             rank_score_avg, rank_points_per_skill)
        SELECT $1, member, gold, silver, bronze, excellence, score_total, entries,
               skills_entered, competitors, rank_gold, rank_total, rank_points,
               rank_score_total, rank_score_avg, rank_points_per_skill
        FROM jsonb_to_recordset($2::jsonb) AS x(member text, gold int, silver int, bronze int,
            excellence int, score_total float8, entries int, skills_entered int,
            competitors int, rank_gold int, rank_total int, rank_points int,
            rank_score_total int, rank_score_avg int, rank_points_per_skill int)""",
        competition,
        rows,
    )


async def record_submission(
    conn: Conn, event_id: str, competition: str, applied: list[str], unchanged: list[str]
) -> None:
    await conn.execute(
        """INSERT INTO competitions.submission (event_id, competition, applied, unchanged)
        VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING""",
        event_id,
        competition,
        applied,
        unchanged,
    )


async def submission(
    conn: Conn, event_id: str, competition: str | None = None
) -> asyncpg.Record | None:
    """Applied or refused (`competition`: only if the event was for that competition)."""
    return await conn.fetchrow(
        """SELECT 'applied' AS status, NULL AS reason, applied, unchanged
        FROM competitions.submission
        WHERE event_id = $1 AND ($2::text IS NULL OR competition = $2)
        UNION ALL
        SELECT 'refused', reason, '{}', '{}' FROM competitions.dead_letter
        WHERE event_id = $1 AND consumer = 'competitions-results'
          AND ($2::text IS NULL OR event_subject = $2)
        LIMIT 1""",
        event_id,
        competition,
    )


async def refusals_of(conn: Conn, event_id: str) -> int:
    """How often results under `event_id` (or its numbered resends) were refused."""
    count: int = await conn.fetchval(
        """SELECT count(*) FROM competitions.dead_letter
        WHERE consumer = 'competitions-results'
          AND (event_id = $1 OR event_id LIKE $1 || ':r%')""",
        event_id,
    )
    return count


# -- rating grants ----------------------------------------------------------------------------


async def set_policy(conn: Conn, competition: str, rules: list[Any], actor: str) -> int:
    version: int = await conn.fetchval(
        """INSERT INTO competitions.rating_policy (competition, version, rules, set_by)
        VALUES ($1, 1, $2, $3)
        ON CONFLICT (competition) DO UPDATE SET version = competitions.rating_policy.version + 1,
            rules = excluded.rules, set_by = excluded.set_by, set_at = now()
        RETURNING version""",
        competition,
        rules,
        actor,
    )
    return version


async def get_policy(conn: Conn, competition: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT version, rules FROM competitions.rating_policy WHERE competition = $1",
        competition,
    )


async def identified_results(
    conn: Conn, competition: str, skills: list[str] | None
) -> list[asyncpg.Record]:
    """Current results of competitors with a national ID (the only ones a grant can reach),
    medal or not: a revision that takes a medal away must see who lost it. `person` is the
    keyed hash of the ID; no plain ID is stored."""
    return await conn.fetch(
        """
        SELECT r.skill, r.revision, r.medal, s.occupation_code, c.name, c.nid_hash AS person,
               c.id_last4, c.person_id
        FROM competitions.result r
        JOIN competitions.skill s ON (s.competition, s.number) = (r.competition, r.skill)
        JOIN competitions.result_competitor c ON c.result_id = r.id
        WHERE r.competition = $1 AND r.current AND c.nid_hash IS NOT NULL
          AND ($2::text[] IS NULL OR r.skill = any($2::text[]))
        ORDER BY r.skill, c.seq
        """,
        competition,
        skills,
    )


async def latest_grants(
    conn: Conn, competition: str, skills: list[str] | None
) -> list[asyncpg.Record]:
    """Each person's latest grant version per skill; `live` unless withdrawn (only the latest
    version can be live: a new one is granted only when none is)."""
    return await conn.fetch(
        """
        SELECT DISTINCT ON (skill, person) grant_id, skill, person, version, medal, level,
               occupation_code, withdrawn_at IS NULL AS live
        FROM competitions.rating_grant
        WHERE competition = $1 AND ($2::text[] IS NULL OR skill = any($2::text[]))
        ORDER BY skill, person, version DESC
        """,
        competition,
        skills,
    )


async def record_grants(conn: Conn, grants: list[dict[str, Any]]) -> set[str]:
    """Record grants; return the ids not granted before (only those are emitted).

    A grant id taken, or a live grant of the same person in the same skill (a concurrent
    policy update), leaves the row out.
    """
    rows = await conn.fetch(
        """INSERT INTO competitions.rating_grant
            (grant_id, competition, skill, person, version, policy_id, result_revision, medal,
             level, occupation_code, person_id)
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(grant_id text, competition text,
            skill text, person text, version int, policy_id text, result_revision int,
            medal text, level text, occupation_code text, person_id text)
        ON CONFLICT DO NOTHING RETURNING grant_id""",
        grants,
    )
    return {r["grant_id"] for r in rows}


async def withdraw_grants(conn: Conn, withdrawals: list[dict[str, Any]]) -> set[str]:
    """Mark live grants withdrawn ({grant_id, revision, reason}); return those this call did."""
    rows = await conn.fetch(
        """UPDATE competitions.rating_grant g
        SET withdrawn_at = now(), withdrawn_revision = x.revision, withdrawal_reason = x.reason
        FROM jsonb_to_recordset($1::jsonb) AS x(grant_id text, revision int, reason text)
        WHERE g.grant_id = x.grant_id AND g.withdrawn_at IS NULL
        RETURNING g.grant_id""",
        withdrawals,
    )
    return {r["grant_id"] for r in rows}


async def link_certificates(conn: Conn, issued: dict[str, str]) -> None:
    """grant id → the number of the certificate issued for it."""
    await conn.execute(
        """UPDATE competitions.rating_grant g SET certificate_no = x.number
        FROM unnest($1::text[], $2::text[]) AS x(grant_id, number)
        WHERE g.grant_id = x.grant_id""",
        list(issued),
        list(issued.values()),
    )


async def record_revocation(conn: Conn, number: str, revoked_at: Any) -> None:
    await conn.execute(
        """INSERT INTO competitions.revoked_certificate (number, revoked_at) VALUES ($1, $2)
        ON CONFLICT DO NOTHING""",
        number,
        revoked_at,
    )

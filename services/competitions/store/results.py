"""SQL for results: revisions, result lines, tallies, standings and submissions."""

from __future__ import annotations

from typing import Any

import asyncpg

from .competitions import SKILL_COLUMNS, Conn


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

"""Read models for the public API: plain SQL over the competitions schema (no national IDs)."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from services.platform.safe_input import decodable

from .store import COMPETITION_COLUMNS, MEDAL_TABLE, SKILL_COLUMNS, Conn

# The awards flags of a result: its member's best mark (best of nation) and the best mark of
# the whole competition (Albert Vidal), over current results of official skills.
RESULT_SELECT = """
    WITH official AS (
        SELECT r.member, r.mark FROM competitions.result r
        JOIN competitions.skill s ON (s.competition, s.number) = (r.competition, r.skill)
        WHERE r.competition = $1 AND r.current AND s.kind = 'official'
    ), best AS (
        SELECT member, max(mark) AS mark FROM official GROUP BY member
    )
    SELECT r.skill, r.member, r.mark, r.position, r.medal, r.revision,
           coalesce(r.current AND s.kind = 'official' AND r.mark = b.mark, false)
               AS best_of_nation,
           coalesce(r.current AND s.kind = 'official'
               AND r.mark = (SELECT max(mark) FROM best), false) AS albert_vidal_award,
           (SELECT jsonb_agg(jsonb_build_object('id', c.person_id, 'name', c.name)
                             ORDER BY c.seq)
            FROM competitions.result_competitor c WHERE c.result_id = r.id) AS competitors
    FROM competitions.result r
    JOIN competitions.skill s ON (s.competition, s.number) = (r.competition, r.skill)
    LEFT JOIN best b ON b.member = r.member
    WHERE r.competition = $1
"""


async def list_competitions(
    conn: Conn, *, kind: str | None, after: str | None, limit: int
) -> list[asyncpg.Record]:
    """Newest first; `after` is the last code seen (keyset on start date, code)."""
    return await conn.fetch(
        f"""SELECT {COMPETITION_COLUMNS} FROM competitions.competition
        WHERE ($1::text IS NULL OR kind = $1)
          AND ($2::text IS NULL OR (starts_on, code) < (
              SELECT starts_on, code FROM competitions.competition WHERE code = $2))
        ORDER BY starts_on DESC, code DESC LIMIT $3""",
        kind,
        after,
        limit,
    )


async def list_skills(
    conn: Conn, competition: str, *, sector: str | None, after: str | None, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT {SKILL_COLUMNS} FROM competitions.skill
        WHERE competition = $1 AND ($2::text IS NULL OR sector = $2)
          AND ($3::text IS NULL OR number > $3)
        ORDER BY number LIMIT $4""",
        competition,
        sector,
        after,
        limit,
    )


async def get_skill(conn: Conn, competition: str, number: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {SKILL_COLUMNS} FROM competitions.skill WHERE competition = $1 AND number = $2",
        competition,
        number,
    )


async def skill_revisions(conn: Conn, competition: str, number: str) -> list[int]:
    rows = await conn.fetch(
        """SELECT revision FROM competitions.skill_revision
        WHERE competition = $1 AND skill = $2 ORDER BY revision""",
        competition,
        number,
    )
    return [r["revision"] for r in rows]


async def list_members(conn: Conn, *, after: str | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT code, name_en, name_zh, kind FROM competitions.member
        WHERE ($1::text IS NULL OR code > $1) ORDER BY code LIMIT $2""",
        after,
        limit,
    )


async def get_member(conn: Conn, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT code, name_en, name_zh, kind FROM competitions.member WHERE code = $1", code
    )


async def skill_results(
    conn: Conn, competition: str, skill: str, revision: int | None
) -> list[asyncpg.Record]:
    """One skill's results, current or of an earlier revision, best place first."""
    return await conn.fetch(
        RESULT_SELECT
        + """ AND r.skill = $2 AND (CASE WHEN $3::int IS NULL THEN r.current
                                     ELSE r.revision = $3 END)
        ORDER BY r.position, r.member""",
        competition,
        skill,
        revision,
    )


async def entries(
    conn: Conn,
    competition: str,
    *,
    member: str | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Current entries with their results; keyset on (skill, member)."""
    return await conn.fetch(
        RESULT_SELECT
        + """ AND r.current AND ($2::text IS NULL OR r.member = $2)
          AND ($3::text IS NULL OR (r.skill, r.member) > ($3, $4))
        ORDER BY r.skill, r.member LIMIT $5""",
        competition,
        member,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def awards(conn: Conn, competition: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT * FROM ({RESULT_SELECT} AND r.current) a
        WHERE best_of_nation OR albert_vidal_award
        ORDER BY mark DESC, member, skill""",
        competition,
    )


async def tallies(conn: Conn, competition: str, sector: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(MEDAL_TABLE, competition, sector)


RANK_COLUMNS = {
    "gold": "rank_gold",
    "total": "rank_total",
    "points": "rank_points",
    "score_total": "rank_score_total",
    "score_avg": "rank_score_avg",
    "points_per_skill": "rank_points_per_skill",
}
STANDING_COLUMNS = """member, gold, silver, bronze, excellence, score_total, entries,
    skills_entered, competitors, rank_gold, rank_total, rank_points, rank_score_total,
    rank_score_avg, rank_points_per_skill"""


async def standings(conn: Conn, competition: str, rank_by: str) -> list[asyncpg.Record]:
    """The whole-competition medal table, ranked when the results applied."""
    column = RANK_COLUMNS[rank_by]  # a fixed column name, never client text
    return await conn.fetch(
        f"""SELECT {STANDING_COLUMNS} FROM competitions.standing
        WHERE competition = $1 ORDER BY {column}, member""",
        competition,
    )


async def member_standings(
    conn: Conn, member: str, *, since: int | None, until: int | None, kind: str | None
) -> list[asyncpg.Record]:
    """One member's standing in each competition it entered, oldest first."""
    return await conn.fetch(
        f"""SELECT c.code AS competition, c.name, c.kind, c.starts_on, {STANDING_COLUMNS},
               m.name_en AS member_name_en, m.name_zh AS member_name_zh,
               m.kind AS member_kind
        FROM competitions.standing s
        JOIN competitions.competition c ON c.code = s.competition
        JOIN competitions.member m ON m.code = s.member
        WHERE s.member = $1
          AND ($2::int IS NULL OR c.starts_on >= make_date($2, 1, 1))
          AND ($3::int IS NULL OR c.starts_on < make_date($3 + 1, 1, 1))
          AND ($4::text IS NULL OR c.kind = $4)
        ORDER BY c.starts_on, c.code""",
        member,
        since,
        until,
        kind,
    )


# Award flags of one result `r` of skill `s` (for reads that span competitions).
AWARD_FLAGS = """
    coalesce(s.kind = 'official' AND r.mark = (
        SELECT max(o.mark) FROM competitions.result o
        JOIN competitions.skill k ON (k.competition, k.number) = (o.competition, o.skill)
        WHERE o.competition = r.competition AND o.member = r.member AND o.current
          AND k.kind = 'official'), false) AS best_of_nation,
    coalesce(s.kind = 'official' AND r.mark = (
        SELECT max(o.mark) FROM competitions.result o
        JOIN competitions.skill k ON (k.competition, k.number) = (o.competition, o.skill)
        WHERE o.competition = r.competition AND o.current
          AND k.kind = 'official'), false) AS albert_vidal_award,
    (SELECT jsonb_agg(jsonb_build_object('id', p.person_id, 'name', p.name) ORDER BY p.seq)
     FROM competitions.result_competitor p WHERE p.result_id = r.id) AS competitors
"""


async def member_results(
    conn: Conn, member: str, *, since: int | None, until: int | None, kind: str | None
) -> list[asyncpg.Record]:
    """A member's current results in every competition of the range, oldest first."""
    return await conn.fetch(
        f"""
        SELECT r.competition, r.skill, r.member, r.mark, r.position, r.medal, r.revision,
               c.kind, c.rules, {AWARD_FLAGS}
        FROM competitions.result r
        JOIN competitions.skill s ON (s.competition, s.number) = (r.competition, r.skill)
        JOIN competitions.competition c ON c.code = r.competition
        WHERE r.member = $1 AND r.current
          AND ($2::int IS NULL OR c.starts_on >= make_date($2, 1, 1))
          AND ($3::int IS NULL OR c.starts_on < make_date($3 + 1, 1, 1))
          AND ($4::text IS NULL OR c.kind = $4)
        ORDER BY c.starts_on, r.competition, r.skill
        """,
        member,
        since,
        until,
        kind,
    )


async def skill_history(
    conn: Conn, *, number: str | None, name: str | None, kind: str | None
) -> list[asyncpg.Record]:
    """Editions of a skill that have results, oldest first, with their gold results."""
    return await conn.fetch(
        f"""
        SELECT c.code AS competition, c.starts_on, s.number, s.name_en, s.name_zh,
               c.kind, c.rules, r.member, r.mark, r.position, r.medal, r.revision, {AWARD_FLAGS}
        FROM competitions.skill s
        JOIN competitions.competition c ON c.code = s.competition
        LEFT JOIN competitions.result r
          ON (r.competition, r.skill) = (s.competition, s.number)
         AND r.current AND r.medal = 'GOLD'
        WHERE s.revision IS NOT NULL
          AND ($1::text IS NULL OR s.number = $1)
          AND ($2::text IS NULL OR lower(s.name_en) = lower($2) OR s.name_zh = $2)
          AND ($3::text IS NULL OR c.kind = $3)
        ORDER BY c.starts_on, c.code, s.number, r.member
        """,
        number,
        name,
        kind,
    )


async def search_skills(
    conn: Conn, *, pattern: str, number: str | None, kind: str, limit: int
) -> list[asyncpg.Record]:
    """Skills of one kind of competition whose number is `number` or whose English or Chinese
    name contains the text (`pattern`: a LIKE pattern, wildcards escaped), number hits first."""
    return await conn.fetch(
        r"""
        SELECT s.name_en, max(s.name_zh) AS name_zh,
               array_agg(DISTINCT s.number ORDER BY s.number) AS numbers,
               array_agg(DISTINCT s.sector ORDER BY s.sector) AS sectors,
               count(DISTINCT s.competition)::int AS editions,
               bool_or(s.number = $2) AS by_number
        FROM competitions.skill s
        JOIN competitions.competition c ON c.code = s.competition
        WHERE c.kind = $3
          AND (s.number = $2 OR s.name_en ILIKE $1 ESCAPE '' OR s.name_zh ILIKE $1 ESCAPE '')
        GROUP BY s.name_en
        ORDER BY by_number DESC, lower(s.name_en)
        LIMIT $4
        """,
        pattern,
        number,
        kind,
        limit,
    )


async def editions_with_results(conn: Conn, kind: str) -> list[str]:
    """Codes of the competitions of a kind that have results, oldest first: the editions a
    streak runs through (a skill missing from one breaks it)."""
    rows = await conn.fetch(
        """SELECT c.code FROM competitions.competition c
        WHERE c.kind = $1 AND EXISTS (SELECT FROM competitions.skill s
                                      WHERE s.competition = c.code AND s.revision IS NOT NULL)
        ORDER BY c.starts_on, c.code""",
        kind,
    )
    return [r["code"] for r in rows]


TALLY_COLUMNS = """member, kind, since_year AS since, until_year AS until, competitions,
    competitors, gold, silver, bronze, excellence, source"""


async def published_tallies(
    conn: Conn, member: str, *, kind: str, since: int | None, until: int | None
) -> list[asyncpg.Record]:
    """A member's published tallies of a kind whose period lies within the one asked for."""
    return await conn.fetch(
        f"""SELECT {TALLY_COLUMNS} FROM competitions.published_tally
        WHERE member = $1 AND kind = $2
          AND ($3::int IS NULL OR since_year >= $3) AND ($4::int IS NULL OR until_year <= $4)
        ORDER BY since_year, until_year""",
        member,
        kind,
        since,
        until,
    )


async def competition_notes(conn: Conn, codes: list[str]) -> dict[str, str]:
    """The notes (demo data, partial results) of the given competitions that have one."""
    rows = await conn.fetch(
        """SELECT code, note FROM competitions.competition
        WHERE code = any($1::text[]) AND note <> ''""",
        codes,
    )
    return {r["code"]: r["note"] for r in rows}


async def competitor_history(conn: Conn, person_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """
        SELECT c.code AS competition, c.starts_on, r.skill, s.name_en AS skill_name,
               s.name_zh AS skill_name_zh, c.kind, c.rules,
               r.member, r.mark, r.position, r.medal, p.name,
               g.level AS grant_level, g.occupation_code AS grant_occupation,
               g.certificate_no, v.number IS NOT NULL AS certificate_revoked
        FROM competitions.result_competitor p
        JOIN competitions.result r ON r.id = p.result_id AND r.current
        JOIN competitions.skill s ON (s.competition, s.number) = (r.competition, r.skill)
        JOIN competitions.competition c ON c.code = r.competition
        LEFT JOIN competitions.rating_grant g
            ON (g.person_id, g.competition, g.skill) = (p.person_id, r.competition, r.skill)
           AND g.withdrawn_at IS NULL
        LEFT JOIN competitions.revoked_certificate v ON v.number = g.certificate_no
        WHERE p.person_id = $1
        ORDER BY c.starts_on, c.code, r.skill
        """,
        person_id,
    )


async def refused_submissions(
    conn: Conn, competition: str, *, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Dead-lettered results events of a competition (API or straight from NATS), oldest first,
    with the skills each names (read from the stored bytes here, never in SQL)."""
    rows = await conn.fetch(
        """
        SELECT id, event_id, reason, created_at AS refused_at, payload
        FROM competitions.dead_letter
        WHERE consumer = 'competitions-results' AND event_subject = $1
          AND ($2::bigint IS NULL OR id > $2)
        ORDER BY id LIMIT $3
        """,
        competition,
        after,
        limit,
    )
    return [
        {k: r[k] for k in ("id", "event_id", "reason", "refused_at")}
        | {"skills": skills_of(r["payload"])}
        for r in rows
    ]


class _SkillOf(msgspec.Struct):
    skill: Any = None


class _ResultsOf(msgspec.Struct):
    skills: list[_SkillOf] = []


class _EnvelopeOf(msgspec.Struct):
    data: _ResultsOf


def skills_of(payload: bytes) -> list[str]:
    """The skill numbers a refused results message names, as far as it can be read."""
    if not decodable(payload):
        return []
    try:
        data = msgspec.json.decode(payload, type=_EnvelopeOf).data
    except msgspec.DecodeError:
        return []
    return [s.skill for s in data.skills if isinstance(s.skill, str)]

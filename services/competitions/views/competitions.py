"""Reads of one competition: its skills, results, awards and medal table. Each public read is
one statement: the competition row comes back with the lists as JSON arrays beside it (no row:
no such competition), which the caller converts with the row shapes below."""

from __future__ import annotations

from typing import Any, TypedDict

import asyncpg
import msgspec

from services.platform.safe_input import decodable

from ..store import COMPETITION_COLUMNS, MEDAL_TABLE, SKILL_COLUMNS, Conn

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


class ResultRow(TypedDict):
    """A result as RESULT_SELECT (or AWARD_FLAGS) reads it; typed, so that JSON's `760` is
    the mark 760.0 again."""

    skill: str
    member: str
    competitors: list[dict[str, str]] | None
    mark: float | None
    position: int
    medal: str
    revision: int
    best_of_nation: bool
    albert_vidal_award: bool


class TallyRow(TypedDict):
    """A member's tally (`domain.tally_of` reads it), from a standing or the sector table."""

    member: str
    gold: int
    silver: int
    bronze: int
    excellence: int
    score_total: float
    entries: int
    skills_entered: int
    competitors: int


class StandingRow(TallyRow):
    rank: int  # under the ordering asked for, as ranked when the results applied


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


SKILLS = f"""SELECT {SKILL_COLUMNS} FROM competitions.skill
        WHERE competition = $1 AND ($2::text IS NULL OR sector = $2)
          AND ($3::text IS NULL OR number > $3)
        ORDER BY number LIMIT $4"""


async def list_skills(
    conn: Conn, competition: str, *, sector: str | None, after: str | None, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(SKILLS, competition, sector, after, limit)


async def competition_skills(
    conn: Conn, competition: str, *, sector: str | None, after: str | None, limit: int
) -> asyncpg.Record | None:
    """`skill_rows`: a page of the competition's skills (None: no such competition)."""
    return await conn.fetchrow(
        f"""SELECT (SELECT coalesce(json_agg(s ORDER BY s.number), '[]') FROM ({SKILLS}) s)
            AS skill_rows
        FROM competitions.competition WHERE code = $1""",
        competition,
        sector,
        after,
        limit,
    )


async def skill_results(
    conn: Conn, competition: str, skill: str, revision: int | None
) -> asyncpg.Record | None:
    """The competition's `kind`, `rules`, `partial` and `note`, with one skill (`skill_row`,
    null if it has no such skill), its `revisions` and its results (`result_rows`: current or
    of an earlier revision, best place first)."""
    return await conn.fetchrow(
        f"""
        SELECT kind, rules, partial, note,
          (SELECT row_to_json(s) FROM (SELECT {SKILL_COLUMNS} FROM competitions.skill
                                       WHERE competition = $1 AND number = $2) s) AS skill_row,
          ARRAY(SELECT revision FROM competitions.skill_revision
                WHERE competition = $1 AND skill = $2 ORDER BY revision) AS revisions,
          (SELECT coalesce(json_agg(x ORDER BY x.position, x.member), '[]') FROM (
              {RESULT_SELECT} AND r.skill = $2 AND (CASE WHEN $3::int IS NULL THEN r.current
                                                    ELSE r.revision = $3 END)) x
          ) AS result_rows
        FROM competitions.competition WHERE code = $1
        """,
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
) -> asyncpg.Record | None:
    """The competition's `kind` and `rules`, with its current entries and their results
    (`result_rows`); keyset on (skill, member)."""
    return await conn.fetchrow(
        f"""
        SELECT kind, rules,
          (SELECT coalesce(json_agg(x ORDER BY x.skill, x.member), '[]') FROM (
              {RESULT_SELECT} AND r.current AND ($2::text IS NULL OR r.member = $2)
                AND ($3::text IS NULL OR (r.skill, r.member) > ($3, $4))
              ORDER BY r.skill, r.member LIMIT $5) x
          ) AS result_rows
        FROM competitions.competition WHERE code = $1
        """,
        competition,
        member,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def awards(conn: Conn, competition: str) -> asyncpg.Record | None:
    """The competition's `kind` and `rules`, with its awarded results (`result_rows`)."""
    return await conn.fetchrow(
        f"""
        SELECT kind, rules,
          (SELECT coalesce(json_agg(a ORDER BY a.mark DESC, a.member, a.skill), '[]')
           FROM ({RESULT_SELECT} AND r.current) a
           WHERE a.best_of_nation OR a.albert_vidal_award) AS result_rows
        FROM competitions.competition WHERE code = $1
        """,
        competition,
    )


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


async def standings(conn: Conn, competition: str, rank_by: str) -> asyncpg.Record | None:
    """The competition's `partial` and `note`, with its whole medal table as ranked when the
    results applied (`standing_rows`, best first)."""
    column = RANK_COLUMNS[rank_by]  # a fixed column name, never client text
    return await conn.fetchrow(
        f"""
        SELECT partial, note,
          (SELECT coalesce(json_agg(s ORDER BY s.rank, s.member), '[]') FROM (
              SELECT {column} AS rank, {STANDING_COLUMNS} FROM competitions.standing
              WHERE competition = $1) s
          ) AS standing_rows
        FROM competitions.competition WHERE code = $1
        """,
        competition,
    )


async def sector_tallies(conn: Conn, competition: str, sector: str) -> asyncpg.Record | None:
    """The competition's `partial` and `note`, with each member's tally in one sector
    (`tally_rows`, unranked)."""
    return await conn.fetchrow(
        f"""
        SELECT partial, note,
          (SELECT coalesce(json_agg(t), '[]') FROM ({MEDAL_TABLE}) t) AS tally_rows
        FROM competitions.competition WHERE code = $1
        """,
        competition,
        sector,
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

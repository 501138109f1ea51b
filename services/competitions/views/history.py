"""Reads across competitions: members, and the histories of a member, a skill and a
competitor. Each public read is one statement; what a history lists beside its rows (the
competitions' notes, the editions a streak runs through) comes back as columns of it."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from ..store import Conn
from .competitions import RANK_COLUMNS, STANDING_COLUMNS, ResultRow, TallyRow


class MemberStandingRow(TallyRow):
    competition: str
    name: str
    kind: str
    starts_on: date
    ranks: dict[str, int]


class MemberResultRow(ResultRow):
    competition: str
    kind: str
    rules: dict[str, Any] | None


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


def notes_of(listed: str) -> str:
    """The notes (demo data, partial results) of the competitions in column `competition` of
    the rows `listed`, as one JSON object: code -> note, for those that have one."""
    return f"""(SELECT coalesce(json_object_agg(code, note), '{{}}')
        FROM competitions.competition
        WHERE code = any(ARRAY(SELECT competition FROM {listed})) AND note <> '')"""


async def list_members(conn: Conn, *, after: str | None, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT code, name_en, name_zh, kind FROM competitions.member
        WHERE ($1::text IS NULL OR code > $1) ORDER BY code LIMIT $2""",
        after,
        limit,
    )


# Competitions of a kind started within the years $2..$3 (either may be null), as `c`.
IN_RANGE = """($2::int IS NULL OR c.starts_on >= make_date($2, 1, 1))
          AND ($3::int IS NULL OR c.starts_on < make_date($3 + 1, 1, 1))
          AND c.kind = $4"""
RANKS = ", ".join(f"'{name}', {column}" for name, column in RANK_COLUMNS.items())


async def member_history(
    conn: Conn, member: str, *, since: int | None, until: int | None, kind: str, results: bool
) -> asyncpg.Record | None:
    """A member (`code`, `name_en`, `name_zh`, `kind`; None: no such member) with, over the
    competitions of the kind and range, oldest first: its standing in each one it entered
    (`standing_rows`), its current results if asked for (`result_rows`), its published
    tallies whose period lies within the range (`tally_rows`) and the competitions' `notes`."""
    return await conn.fetchrow(
        f"""
        WITH standings AS (
            SELECT c.code AS competition, c.name, c.kind, c.starts_on, {STANDING_COLUMNS},
                   json_build_object({RANKS}) AS ranks
            FROM competitions.standing s
            JOIN competitions.competition c ON c.code = s.competition
            WHERE s.member = $1 AND {IN_RANGE}
        )
        SELECT m.code, m.name_en, m.name_zh, m.kind,
          (SELECT coalesce(json_agg(s ORDER BY s.starts_on, s.competition), '[]')
           FROM standings s) AS standing_rows,
          (SELECT coalesce(json_agg(x ORDER BY x.starts_on, x.competition, x.skill), '[]')
           FROM (SELECT r.competition, r.skill, r.member, r.mark, r.position, r.medal,
                        r.revision, c.kind, c.rules, c.starts_on, {AWARD_FLAGS}
                 FROM competitions.result r
                 JOIN competitions.skill s
                   ON (s.competition, s.number) = (r.competition, r.skill)
                 JOIN competitions.competition c ON c.code = r.competition
                 WHERE $5 AND r.member = $1 AND r.current AND {IN_RANGE}) x
          ) AS result_rows,
          (SELECT coalesce(json_agg(t ORDER BY t.since, t.until), '[]')
           FROM (SELECT member, kind, since_year AS since, until_year AS until, competitions,
                        competitors, gold, silver, bronze, excellence, source
                 FROM competitions.published_tally
                 WHERE member = $1 AND kind = $4
                   AND ($2::int IS NULL OR since_year >= $2)
                   AND ($3::int IS NULL OR until_year <= $3)) t
          ) AS tally_rows,
          {notes_of("standings")} AS notes
        FROM competitions.member m WHERE m.code = $1
        """,
        member,
        since,
        until,
        kind,
        results,
    )


async def skill_history(
    conn: Conn, *, number: str | None, name: str | None, kind: str
) -> list[asyncpg.Record]:
    """Editions of a skill that have results, oldest first, with their gold results. Every
    row carries the same `notes` of those editions and `sequence`: the codes of the editions
    of the kind that have results, oldest first, which a streak runs through (a skill missing
    from one breaks it)."""
    return await conn.fetch(
        f"""
        WITH editions AS (
            SELECT c.code AS competition, c.starts_on, s.number, s.name_en, s.name_zh,
                   c.kind, c.rules, r.member, r.mark, r.position, r.medal, r.revision,
                   {AWARD_FLAGS}
            FROM competitions.skill s
            JOIN competitions.competition c ON c.code = s.competition
            LEFT JOIN competitions.result r
              ON (r.competition, r.skill) = (s.competition, s.number)
             AND r.current AND r.medal = 'GOLD'
            WHERE s.revision IS NOT NULL
              AND ($1::text IS NULL OR s.number = $1)
              AND ($2::text IS NULL OR lower(s.name_en) = lower($2) OR s.name_zh = $2)
              AND c.kind = $3
        )
        SELECT e.*, {notes_of("editions")} AS notes,
          ARRAY(SELECT c.code FROM competitions.competition c
                WHERE c.kind = $3 AND EXISTS (SELECT FROM competitions.skill s
                                              WHERE s.competition = c.code
                                                AND s.revision IS NOT NULL)
                ORDER BY c.starts_on, c.code) AS sequence
        FROM editions e
        ORDER BY e.starts_on, e.competition, e.number, e.member
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


async def competitor_history(conn: Conn, person_id: str) -> list[asyncpg.Record]:
    """A competitor's current entries, oldest first, each row with the same `notes` of the
    competitions they are in."""
    return await conn.fetch(
        f"""
        WITH entries AS (
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
        )
        SELECT e.*, {notes_of("entries")} AS notes
        FROM entries e
        ORDER BY e.starts_on, e.competition, e.skill
        """,
        person_id,
    )

"""SQL for the competitions schema: competitions, skills, members, published tallies and
our copy of occupation codes."""

from __future__ import annotations

from collections.abc import Sequence

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

"""SQL for rating grants: the policy, who a grant can reach, grants and their certificates."""

from __future__ import annotations

from typing import Any

import asyncpg

from .competitions import Conn


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

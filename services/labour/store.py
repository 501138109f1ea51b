"""SQL for the labour schema's writes: our copies of other contexts' data, submissions,
publications and their current state, certificate counts (reads: views.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from schemas.labour import CataloguePublished, PackagePublished, PayPublished
from services.platform.db import Connection, Pool

from .domain.publications import Applied, Body, Occupation, period_bounds

Conn = Connection | Pool

# -- copies of the classification, bodies and authorisations ---------------------------------


async def upsert_occupations(
    conn: Conn, release_id: str, revision: int, changes: list[dict[str, Any]]
) -> None:
    """Per code the state with the highest revision wins, whatever order events arrive in;
    `introduced_in` is the release that added the code, whenever that event comes."""
    await conn.execute(
        """
        INSERT INTO labour.occupation AS o
            (code, level, name_zh, name_en, status, introduced_in, revision)
        SELECT code, level, name_zh, name_en, status,
               CASE WHEN change = 'added' THEN $3 END, $2
        FROM jsonb_to_recordset($1::jsonb) AS x(code text, level smallint, name_zh text,
                                                 name_en text, status text, change text)
        ON CONFLICT (code) DO UPDATE SET
            level = CASE WHEN o.revision < EXCLUDED.revision THEN EXCLUDED.level ELSE o.level END,
            name_zh = CASE WHEN o.revision < EXCLUDED.revision
                           THEN EXCLUDED.name_zh ELSE o.name_zh END,
            name_en = CASE WHEN o.revision < EXCLUDED.revision
                           THEN EXCLUDED.name_en ELSE o.name_en END,
            status = CASE WHEN o.revision < EXCLUDED.revision
                          THEN EXCLUDED.status ELSE o.status END,
            revision = greatest(o.revision, EXCLUDED.revision),
            introduced_in = coalesce(EXCLUDED.introduced_in, o.introduced_in)
        """,
        changes,
        revision,
        release_id,
    )


async def occupations(conn: Conn, codes: Sequence[str]) -> dict[str, Occupation]:
    rows = await conn.fetch(
        "SELECT code, level, status FROM labour.occupation WHERE code = any($1::text[])",
        list(codes),
    )
    return {r["code"]: Occupation(r["level"], r["status"]) for r in rows}


async def upsert_body(
    conn: Conn, body_id: str, body_no: int, name: str, kind: str, province: str | None
) -> None:
    await conn.execute(
        """INSERT INTO labour.body (body_id, body_no, name, kind, province)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (body_id) DO UPDATE SET body_no = EXCLUDED.body_no, name = EXCLUDED.name,
            kind = EXCLUDED.kind, province = EXCLUDED.province""",
        body_id,
        body_no,
        name,
        kind,
        province,
    )


async def bodies(conn: Conn, body_ids: Sequence[str]) -> dict[str, Body]:
    rows = await conn.fetch(
        "SELECT body_id, kind FROM labour.body WHERE body_id = any($1::text[])", list(body_ids)
    )
    return {r["body_id"]: Body(r["kind"]) for r in rows}


async def insert_authorisation(conn: Conn, authorisation: Any) -> None:
    await conn.execute(
        """INSERT INTO labour.authorisation
            (authorisation_id, body_id, occupation_code, levels, valid_from, valid_to)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (authorisation_id) DO NOTHING""",
        authorisation.authorisation_id,
        authorisation.body_id,
        authorisation.occupation_code,
        list(authorisation.levels),
        authorisation.valid_from,
        authorisation.valid_to,
    )


# -- submissions and publications -------------------------------------------------------------


async def applied(conn: Conn, what: str, key: str) -> Applied | None:
    row = await conn.fetchrow(
        """SELECT revision, content_hash FROM labour.publication
        WHERE what = $1 AND key = $2 ORDER BY revision DESC LIMIT 1""",
        what,
        key,
    )
    return None if row is None else Applied(row["revision"], row["content_hash"])


async def pending_hashes(conn: Conn, what: str, key: str, revision: int) -> list[asyncpg.Record]:
    """Submissions of this key and revision not applied and not refused."""
    return await conn.fetch(
        """SELECT s.submission_id, s.content_hash FROM labour.submission s
        WHERE s.what = $1 AND s.key = $2 AND s.revision = $3
          AND NOT EXISTS (SELECT FROM labour.publication p WHERE p.event_id = s.submission_id)
          AND NOT EXISTS (SELECT FROM labour.dead_letter d WHERE d.event_id = s.submission_id)""",
        what,
        key,
        revision,
    )


async def refused(conn: Conn, submission_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT FROM labour.dead_letter WHERE event_id = $1)", submission_id
        )
    )


async def insert_submission(
    conn: Conn, submission_id: str, what: str, key: str, revision: int, digest: str, actor: str
) -> None:
    await conn.execute(
        """INSERT INTO labour.submission
            (submission_id, what, key, revision, content_hash, actor)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (submission_id) DO UPDATE SET submitted_at = clock_timestamp()""",
        submission_id,
        what,
        key,
        revision,
        digest,
        actor,
    )


async def delete_submission(conn: Conn, submission_id: str) -> None:
    await conn.execute("DELETE FROM labour.submission WHERE submission_id = $1", submission_id)


async def record_publication(
    conn: Conn,
    what: str,
    key: str,
    revision: int,
    digest: str,
    event_id: str,
    actor: str,
    document: Any,
) -> bool:
    """False when this key and revision is already recorded (a concurrent apply)."""
    inserted = await conn.fetchval(
        """INSERT INTO labour.publication
            (what, key, revision, content_hash, event_id, actor, document)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT DO NOTHING RETURNING true""",
        what,
        key,
        revision,
        digest,
        event_id,
        actor,
        document,
    )
    return bool(inserted)


async def replace_catalogue(conn: Conn, catalogue: CataloguePublished) -> None:
    start, end = period_bounds(catalogue.period)
    await conn.execute("DELETE FROM labour.catalogue WHERE catalogue_id = $1", catalogue.key)
    await conn.execute(
        """INSERT INTO labour.catalogue (catalogue_id, kind, region, period, period_start,
            period_end, revision, title, published_on, source, note)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
        catalogue.key,
        catalogue.kind,
        catalogue.region,
        catalogue.period,
        start,
        end,
        catalogue.revision,
        catalogue.title,
        catalogue.published_on,
        catalogue.source,
        catalogue.note,
    )
    await conn.execute(
        """INSERT INTO labour.catalogue_entry
            (catalogue_id, rank, occupation_code, demand_supply_ratio, vacancies, job_seekers)
        SELECT $1, rank, occupation_code, demand_supply_ratio, vacancies, job_seekers
        FROM jsonb_to_recordset($2::jsonb) AS x(rank smallint, occupation_code text,
            demand_supply_ratio double precision, vacancies integer, job_seekers integer)""",
        catalogue.key,
        catalogue.entries,
    )


async def replace_pay(conn: Conn, pay: PayPublished) -> None:
    await conn.execute("DELETE FROM labour.pay_survey WHERE survey_id = $1", pay.key)
    await conn.execute(
        """INSERT INTO labour.pay_survey (survey_id, region, year, revision, title,
            published_on, source, note, minimum_pay)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        pay.key,
        pay.region,
        pay.year,
        pay.revision,
        pay.title,
        pay.published_on,
        pay.source,
        pay.note,
        pay.minimum_pay,
    )
    await conn.execute(
        """INSERT INTO labour.pay
            (survey_id, occupation_code, level, p10, p25, p50, p75, p90, sample_size)
        SELECT $1, occupation_code, level, p10, p25, p50, p75, p90, sample_size
        FROM jsonb_to_recordset($2::jsonb) AS x(occupation_code text, level text, p10 int,
            p25 int, p50 int, p75 int, p90 int, sample_size int)""",
        pay.key,
        pay.rows,
    )


async def replace_package(conn: Conn, package: PackagePublished) -> None:
    await conn.execute("DELETE FROM labour.package WHERE occupation_code = $1", package.key)
    await conn.execute(
        """INSERT INTO labour.package
            (occupation_code, revision, published_on, standard, training, note)
        VALUES ($1, $2, $3, $4, $5, $6)""",
        package.occupation_code,
        package.revision,
        package.published_on,
        package.standard,
        package.training,
        package.note,
    )
    await conn.execute(
        """INSERT INTO labour.package_body (occupation_code, body_id, selected_on)
        SELECT $1, body_id, selected_on
        FROM jsonb_to_recordset($2::jsonb) AS x(body_id text, selected_on date)""",
        package.occupation_code,
        package.evaluation_bodies,
    )


# -- certificate counts -----------------------------------------------------------------------


async def count_certificates(conn: Conn, cells: list[dict[str, Any]]) -> None:
    """Add {year, level, occupation_code, body_id, origin, issued, revoked} to the counts, and
    move the statistics version (cached tables are stale from this commit on)."""
    if cells:
        await conn.execute(
            """
            INSERT INTO labour.certificate_count AS c
                (year, level, occupation_code, body_id, origin, issued, revoked)
            SELECT year, level, occupation_code, body_id, origin, issued, revoked
            FROM jsonb_to_recordset($1::jsonb) AS x(year smallint, level text,
                occupation_code text, body_id text, origin text, issued int, revoked int)
            ON CONFLICT (year, level, occupation_code, body_id, origin) DO UPDATE
            SET issued = c.issued + EXCLUDED.issued, revoked = c.revoked + EXCLUDED.revoked
            """,
            cells,
        )
    await bump_statistics(conn)


async def bump_statistics(conn: Conn) -> None:
    await conn.execute("UPDATE labour.statistics_version SET version = version + 1")


async def store_table(conn: Conn, key: str, version: int, body: bytes) -> None:
    await conn.execute(
        """INSERT INTO labour.statistics_table (table_key, version, body) VALUES ($1, $2, $3)
        ON CONFLICT (table_key) DO UPDATE SET version = EXCLUDED.version, body = EXCLUDED.body
        WHERE labour.statistics_table.version < EXCLUDED.version""",
        key,
        version,
        body,
    )

"""Reads of new-occupation packages: one occupation's, and what a release's new ones have."""

from __future__ import annotations

from datetime import date

import msgspec

from schemas.labour import Standard, TrainingItem
from schemas.labour_reads import Named, Package, PackageBody, PackageCoverage, ReleasePackages
from services.platform.db import Pool


async def package(pool: Pool, occupation: Named, today: date) -> Package | None:
    code = occupation.occupation_code
    row = await pool.fetchrow(
        """SELECT p.revision, p.published_on, p.standard, p.training, p.note, o.introduced_in
        FROM labour.package p LEFT JOIN labour.occupation o ON o.code = p.occupation_code
        WHERE p.occupation_code = $1""",
        code,
    )
    if row is None:
        return None
    bodies = await pool.fetch(
        """SELECT s.body_id, b.name, b.province, s.selected_on,
                  coalesce((SELECT array_agg(DISTINCT level ORDER BY level)
                            FROM labour.authorisation a, unnest(a.levels) AS level
                            WHERE a.body_id = s.body_id AND a.occupation_code = s.occupation_code
                              AND a.valid_from <= $2
                              AND (a.valid_to IS NULL OR a.valid_to >= $2)), '{}')
                      AS authorised_levels
        FROM labour.package_body s LEFT JOIN labour.body b USING (body_id)
        WHERE s.occupation_code = $1 ORDER BY s.selected_on, s.body_id""",
        code,
        today,
    )
    return Package(
        occupation=occupation,
        introduced_in=row["introduced_in"],
        revision=row["revision"],
        published_on=row["published_on"],
        standard=msgspec.convert(row["standard"], Standard | None),
        training=msgspec.convert(row["training"], list[TrainingItem]),
        evaluation_bodies=[PackageBody(**dict(b)) for b in bodies],
        note=row["note"],
    )


COVERAGE = """SELECT o.code AS occupation_code, o.name_zh, o.name_en,
           p.standard->>'status' AS standard_status,
           coalesce(jsonb_array_length(p.training), 0) AS training_items,
           (SELECT count(*) FROM labour.package_body b
            WHERE b.occupation_code = o.code) AS evaluation_bodies,
           p.revision"""


async def all_packages(pool: Pool) -> list[PackageCoverage]:
    rows = await pool.fetch(
        f"""{COVERAGE} FROM labour.package p JOIN labour.occupation o ON o.code = p.occupation_code
        ORDER BY o.code"""
    )
    return [PackageCoverage(**dict(r)) for r in rows]


async def release_packages(pool: Pool, release_id: str) -> ReleasePackages:
    """Every occupation the release added, with what of its package exists."""
    rows = await pool.fetch(
        f"""{COVERAGE}
        FROM labour.occupation o LEFT JOIN labour.package p ON p.occupation_code = o.code
        WHERE o.introduced_in = $1 AND o.level = 4
        ORDER BY o.code""",
        release_id,
    )
    return ReleasePackages(release_id=release_id, items=[PackageCoverage(**dict(r)) for r in rows])

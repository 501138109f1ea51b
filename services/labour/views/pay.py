"""Reads of pay surveys: an occupation at every level, and occupations ranked at one level."""

from __future__ import annotations

from typing import get_args

import asyncpg
import msgspec

from schemas.labour import MinimumPay
from schemas.labour_reads import (
    Named,
    OccupationPay,
    PayLevel,
    PayRank,
    PayRanking,
    PaySurvey,
    PaySurveyPage,
)
from schemas.ratings import Level
from schemas.regions import region_names
from services.platform.db import Pool

LEVEL_ORDER: tuple[str, ...] = get_args(Level)

SURVEY = "survey_id, region, year, revision, title, published_on, source, note, minimum_pay"


def survey(row: asyncpg.Record) -> PaySurvey:
    zh, en = region_names(row["region"])
    return PaySurvey(
        region=row["region"],
        region_zh=zh,
        region_en=en,
        year=row["year"],
        revision=row["revision"],
        title=row["title"],
        published_on=row["published_on"],
        source=row["source"],
        note=row["note"],
    )


def guidance(row: asyncpg.Record) -> list[MinimumPay]:
    guides = msgspec.convert(row["minimum_pay"], list[MinimumPay])
    return sorted(guides, key=lambda g: LEVEL_ORDER.index(g.level))


async def surveys(pool: Pool) -> PaySurveyPage:
    rows = await pool.fetch(
        f"""SELECT {SURVEY} FROM labour.pay_survey
        ORDER BY year DESC, region = 'national' DESC, region"""
    )
    return PaySurveyPage(items=[survey(r) for r in rows])


async def _survey(
    pool: Pool, region: str | None, year: int | None, code: str | None
) -> asyncpg.Record | None:
    """The survey asked for; by default the latest, national first, holding `code` if given."""
    return await pool.fetchrow(
        f"""SELECT {SURVEY} FROM labour.pay_survey s
        WHERE ($1::text IS NULL OR region = $1) AND ($2::int IS NULL OR year = $2)
          AND ($3::text IS NULL OR EXISTS (SELECT FROM labour.pay p
                WHERE p.survey_id = s.survey_id AND p.occupation_code = $3))
        ORDER BY year DESC, region = 'national' DESC, region LIMIT 1""",
        region,
        year,
        code,
    )


async def occupation_pay(
    pool: Pool, occupation: Named, region: str | None, year: int | None
) -> OccupationPay | None:
    code = occupation.occupation_code
    row = await _survey(pool, region, year, code)
    if row is None:
        return None
    minimum = {g.level: g.monthly for g in guidance(row)}
    levels = await pool.fetch(
        """SELECT level, p10, p25, p50, p75, p90, sample_size FROM labour.pay
        WHERE survey_id = $1 AND occupation_code = $2""",
        row["survey_id"],
        code,
    )
    others = await pool.fetch(
        """SELECT DISTINCT survey_id FROM labour.pay
        WHERE occupation_code = $1 AND survey_id <> $2 ORDER BY survey_id""",
        code,
        row["survey_id"],
    )
    return OccupationPay(
        occupation=occupation,
        survey=survey(row),
        levels=sorted(
            (PayLevel(**dict(r), minimum_pay=minimum.get(r["level"])) for r in levels),
            key=lambda lv: LEVEL_ORDER.index(lv.level),
        ),
        other_surveys=[r["survey_id"] for r in others],
    )


async def ranking(
    pool: Pool, level: str, region: str | None, year: int | None, limit: int
) -> PayRanking | None:
    row = await _survey(pool, region, year, None)
    if row is None:
        return None
    rows = await pool.fetch(
        """SELECT p.occupation_code, o.name_zh, o.name_en, p.p25, p.p50, p.p75, p.sample_size
        FROM labour.pay p LEFT JOIN labour.occupation o ON o.code = p.occupation_code
        WHERE p.survey_id = $1 AND p.level = $2
        ORDER BY p.p50 DESC, p.occupation_code LIMIT $3""",
        row["survey_id"],
        level,
        limit,
    )
    guides = guidance(row)
    return PayRanking(
        survey=survey(row),
        level=level,
        minimum_pay=next((g.monthly for g in guides if g.level == level), None),
        items=[PayRank(rank=i + 1, **dict(r)) for i, r in enumerate(rows)],
        guidance=guides,
    )

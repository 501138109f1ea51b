"""What an open-data export holds: each dataset is read from a public API route.

Exports read the same public API as everyone else (in-process), so they never hold more than
the API publishes (masked names, no national IDs) and never read another context's tables.
A dataset whose route this process does not serve is left out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple

from litestar import Litestar

from services.platform.public_api import PublicApi

Rows = AsyncIterator[dict[str, Any]]
ORDERINGS = ("gold", "total", "points", "score_total", "score_avg", "points_per_skill")


class Dataset(NamedTuple):
    name: str
    description: str
    route: str  # the route that must exist for this dataset to be exported
    rows: Callable[[PublicApi], Rows]


async def occupations(public: PublicApi) -> Rows:
    async for item in public.pages("/occupations", {"limit": 500}):
        yield item


async def work_types(public: PublicApi) -> Rows:
    async for item in public.pages("/occupations/work-types", {"limit": 500}):
        yield item


async def releases(public: PublicApi) -> Rows:
    async for item in public.pages("/releases", {"limit": 200}):
        yield item


async def release_changes(public: PublicApi) -> Rows:
    """The history of every occupation, release by release (what each release changed)."""
    ids = [r["release_id"] async for r in public.pages("/releases", {"limit": 200})]
    for release_id in ids:
        body = (await public.raw(f"/releases/{release_id}")).json()
        for change in body.get("changes", []):
            yield {"release_id": release_id, "revision": body["release"]["revision"]} | change


async def _competition_codes(public: PublicApi) -> list[str]:
    return [c["code"] async for c in public.pages("/competitions", {"limit": 200})]


async def competitions(public: PublicApi) -> Rows:
    async for item in public.pages("/competitions", {"limit": 200}):
        yield item


async def members(public: PublicApi) -> Rows:
    async for item in public.pages("/members", {"limit": 500}):
        yield item


async def skills(public: PublicApi) -> Rows:
    for code in await _competition_codes(public):
        async for item in public.pages(f"/competitions/{code}/skills", {"limit": 200}):
            yield {"competition": code} | item


async def results(public: PublicApi) -> Rows:
    """Every current result; competitors as published (names masked by the API)."""
    for code in await _competition_codes(public):
        async for item in public.pages(f"/competitions/{code}/entries", {"limit": 500}):
            competitors = item.pop("competitors", [])
            yield (
                {"competition": code}
                | item
                | {
                    "competitor_ids": [c["id"] for c in competitors],
                    "competitor_names": [c["name"] for c in competitors],
                }
            )


async def medal_tables(public: PublicApi) -> Rows:
    """One row per competition and member, with its rank under every ordering."""
    for code in await _competition_codes(public):
        ranks: dict[str, dict[str, int]] = {}
        rows: list[dict[str, Any]] = []
        for ordering in ORDERINGS:
            table = await public.raw(f"/competitions/{code}/medal-table", {"rank_by": ordering})
            for row in table.json().get("rows", []):
                ranks.setdefault(row["member"], {})[f"rank_{ordering}"] = row.pop("rank")
                if ordering == "gold":
                    rows.append(row)
        for row in rows:
            yield {"competition": code, **ranks[row["member"]], **row}


async def evaluation_bodies(public: PublicApi) -> Rows:
    async for body in public.pages("/evaluation-bodies", {"limit": 500}):
        body.pop("authorisations", None)
        yield body


async def authorisations(public: PublicApi) -> Rows:
    """Which body may rate which occupation at which levels, over which period."""
    async for body in public.pages("/evaluation-bodies", {"limit": 500}):
        for grant in body.get("authorisations", []):
            yield {"body_id": body["body_id"]} | grant


async def demand_catalogues(public: PublicApi) -> Rows:
    async for item in public.pages("/labour/catalogues", {"limit": 200}):
        yield item


async def demand_catalogue_entries(public: PublicApi) -> Rows:
    """Every ranked entry of every catalogue, with its previous rank in the series."""
    ids = [c["catalogue_id"] async for c in public.pages("/labour/catalogues", {"limit": 200})]
    for catalogue_id in ids:
        body = (await public.raw(f"/labour/catalogues/{catalogue_id}")).json()
        for entry in body.get("entries", []):
            yield {"catalogue_id": catalogue_id, "period": body["catalogue"]["period"]} | entry


async def pay(public: PublicApi) -> Rows:
    """Monthly pay percentiles per survey, occupation and level, as published."""
    surveys = (await public.raw("/labour/pay")).json().get("items", [])
    for survey in surveys:
        key = f"{survey['region']}.{survey['year']}"
        document = (await public.raw(f"/labour/pay/{key}")).json()
        for row in document.get("rows", []):
            yield {"survey": key, "source": document["source"], "note": document["note"]} | row


async def minimum_pay(public: PublicApi) -> Rows:
    surveys = (await public.raw("/labour/pay")).json().get("items", [])
    for survey in surveys:
        key = f"{survey['region']}.{survey['year']}"
        for guide in (await public.raw(f"/labour/pay/{key}")).json().get("minimum_pay", []):
            yield {"survey": key} | guide


async def packages(public: PublicApi) -> Rows:
    for item in (await public.raw("/labour/packages")).json():
        yield item


async def rating_statistics(public: PublicApi) -> Rows:
    """The public tables: small counts hidden (`value` empty, `shown` "<10" or "x")."""
    years = await public.raw("/labour/rating-statistics/years")
    if years.status_code != 200:
        return
    body = years.json()
    for year in body["years"]:
        for rows_by in ("occupation", "province", "origin"):
            table = (
                await public.raw("/labour/rating-statistics", {"year": year, "rows": rows_by})
            ).json()
            for row in table.get("rows", []):
                for level, cell in zip(table["levels"], row["cells"], strict=True):
                    yield {"year": year, "rows_by": rows_by, "key": row["key"],
                           "name_zh": row["name_zh"], "name_en": row["name_en"],
                           "level": level, **cell}  # fmt: skip


DATASETS: list[Dataset] = [
    Dataset(
        "occupations",
        "Every entry of the occupational classification (all four levels), current state.",
        "/occupations",
        occupations,
    ),
    Dataset(
        "work_types",
        "Every work type (工种) under an occupation, active and retired, current state.",
        "/occupations/work-types",
        work_types,
    ),
    Dataset("releases", "Applied releases of the classification.", "/releases", releases),
    Dataset(
        "release_changes",
        "What each release added, amended or retired: the history of every occupation.",
        "/releases/{release_id:str}",
        release_changes,
    ),
    Dataset("competitions", "Competitions and their rules.", "/competitions", competitions),
    Dataset("members", "Members and provinces that compete.", "/members", members),
    Dataset("skills", "Skills of each competition.", "/competitions/{code:str}/skills", skills),
    Dataset(
        "results",
        "Current results of every competition: mark, position, medal, awards, competitors.",
        "/competitions/{code:str}/entries",
        results,
    ),
    Dataset(
        "medal_tables",
        "Medal table of every competition with the member's rank under each ordering.",
        "/competitions/{code:str}/medal-table",
        medal_tables,
    ),
    Dataset(
        "evaluation_bodies",
        "Evaluation bodies (enterprises and social evaluation organisations).",
        "/evaluation-bodies",
        evaluation_bodies,
    ),
    Dataset(
        "authorisations",
        "What each evaluation body is authorised to rate: occupation, levels, period.",
        "/evaluation-bodies",
        authorisations,
    ),
    Dataset(
        "demand_catalogues",
        "Catalogues of shortage and in-demand occupations by region and period.",
        "/labour/catalogues",
        demand_catalogues,
    ),
    Dataset(
        "demand_catalogue_entries",
        "Ranked occupations of every catalogue, with demand/supply figures and previous rank.",
        "/labour/catalogues/{catalogue_id:str}",
        demand_catalogue_entries,
    ),
    Dataset(
        "pay",
        "Monthly pay percentiles (yuan) by survey, occupation and skill level, with sample size.",
        "/labour/pay/{survey_id:str}",
        pay,
    ),
    Dataset("minimum_pay", "Minimum-pay guidance per skill level.", "/labour/pay", minimum_pay),
    Dataset(
        "occupation_packages",
        "What exists for each occupation's standard, training and evaluation bodies.",
        "/labour/packages",
        packages,
    ),
    Dataset(
        "rating_statistics",
        "Certificates in force by year, level and occupation / province / origin; counts under "
        "10 and cells hidden to protect them are left empty.",
        "/labour/rating-statistics",
        rating_statistics,
    ),
]


def available(app: Litestar, datasets: list[Dataset] | None = None) -> list[Dataset]:
    routes = {route.path for route in app.routes}
    return [d for d in (DATASETS if datasets is None else datasets) if d.route in routes]

"""What an open-data export holds: each dataset is read from a public API route.

Exports read the same public API as everyone else (in-process), so they never hold more than
the API publishes (masked names, no national IDs) and never read another context's tables.
A dataset whose route this process does not serve is left out and the metadata says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple

from litestar import Litestar

from services.web.public_api import PublicApi

Rows = AsyncIterator[dict[str, Any]]


class Dataset(NamedTuple):
    name: str
    description: str
    route: str  # the route that must exist for this dataset to be exported
    rows: Callable[[PublicApi], Rows]


async def occupations(public: PublicApi) -> Rows:
    async for item in public.pages("/occupations", {"limit": 500}):
        yield item


DATASETS: list[Dataset] = [
    Dataset(
        "occupations",
        "Every entry of the occupational classification (all four levels), current state.",
        "/occupations",
        occupations,
    ),
]


def available(app: Litestar, datasets: list[Dataset] | None = None) -> list[Dataset]:
    routes = {route.path for route in app.routes}
    return [d for d in (DATASETS if datasets is None else datasets) if d.route in routes]

"""Request examples for the OpenAPI document (invented values, labelled as such)."""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import Example
from litestar.params import Body


def body(summary: str, value: Any) -> Any:
    return Body(examples=[Example(summary=summary, value=value)])


CATALOGUE = body(
    "A provincial shortage catalogue for a quarter (invented figures)",
    {
        "kind": "shortage",
        "region": "440000",
        "period": "2025-Q1",
        "title": "Guangdong shortage occupations, 2025 Q1 (example, invented)",
        "published_on": "2025-04-20",
        "source": "Example source (invented)",
        "note": "Example data, invented.",
        "entries": [
            {"rank": 1, "occupation_code": "6-31-01-03", "demand_supply_ratio": 2.8,
             "vacancies": 12800, "job_seekers": 4570},
            {"rank": 2, "occupation_code": "6-18-02-04", "demand_supply_ratio": 2.4},
        ],
    },
)  # fmt: skip
PAY = body(
    "National pay of two levels of one occupation, with minimum-pay guidance (invented)",
    {
        "region": "national",
        "year": 2025,
        "title": "Pay of skilled workers 2025 (example, invented)",
        "published_on": "2026-03-01",
        "source": "Example enterprise pay survey (invented)",
        "note": "Example data, invented.",
        "rows": [
            {"occupation_code": "6-31-01-03", "level": "junior", "p10": 3800, "p25": 4400,
             "p50": 5200, "p75": 6100, "p90": 7200, "sample_size": 2140},
            {"occupation_code": "6-31-01-03", "level": "senior", "p10": 5200, "p25": 6100,
             "p50": 7300, "p75": 8600, "p90": 10100, "sample_size": 980},
        ],
        "minimum_pay": [{"level": "junior", "monthly": 3500}, {"level": "senior", "monthly": 4600}],
    },
)  # fmt: skip
PACKAGE = body(
    "A new occupation's drafted evaluation norm, a training package and one body (invented)",
    {
        "occupation_code": "4-04-05-01",
        "published_on": "2025-06-01",
        "standard": {"kind": "evaluation_norm", "status": "drafted",
                     "issuing_body": "Example standards office (invented)"},
        "training": [{"kind": "training_package", "title": "Example training package (invented)",
                      "publisher": "Example press (invented)", "published_on": "2025-05-01"}],
        "evaluation_bodies": [{"body_id": "demo-school-invented", "selected_on": "2025-05-20"}],
        "note": "Example data, invented.",
    },
)  # fmt: skip

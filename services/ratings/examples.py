"""Request examples for the OpenAPI document (invented demo values; IDs are not real people's)."""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import Example
from litestar.params import Body


def body(summary: str, value: Any) -> Any:
    return Body(examples=[Example(summary=summary, value=value)])


BODY = body(
    "A training school (social evaluation organisation)",
    {
        "body_id": "demo-school-001",
        "name": "Demo Vocational School (invented)",
        "kind": "social",
        "province": "440000",
    },
)
AUTHORISATION = body(
    "Levels 5 to 3 of one occupation for two years",
    {
        "occupation_code": "4-04-05-01",
        "levels": ["junior", "intermediate", "senior"],
        "valid_from": "2026-01-01",
        "valid_to": "2027-12-31",
    },
)
BATCH = body(
    "Two candidates (invented; the IDs carry valid check digits but belong to no one)",
    {
        "batch_id": "demo-school-001-2026-06-a",
        "body_id": "demo-school-001",
        "exam_date": "2026-06-15",
        "candidates": [
            {
                "national_id": "110105199003070017",
                "name": "示例张三",
                "occupation_code": "4-04-05-01",
                "level": "senior",
                "theory": 82,
                "practical": 76,
            },
            {
                "national_id": "110105199003070025",
                "name": "示例李四",
                "occupation_code": "4-04-05-01",
                "level": "technician",
                "theory": 71,
                "practical": 64,
                "review": 68,
            },
        ],
    },
)
REVOCATION = body("Why the certificate is revoked", {"reason": "exam irregularity on review"})
VERIFY = body(
    "Two certificates, one with the holder's name",
    {
        "items": [
            {"number": "2026-000001-00000001-8", "name": "示例张三"},
            {"number": "2026-000001-00000002-6"},
        ]
    },
)
HISTORY = body("Look up one person", {"national_id": "110105199003070017"})
